/**
 * The hot path of POST /v1/reservations (no channel: no allocation rules, no presale): the Idempotency-Key claim,
 * the conditional updates, ledger rows, reservation rows and the audit row in ONE statement (the answer is stored
 * with the claim), so a
 * reservation is BEGIN, one statement, COMMIT — and a hot SKU's row lock is held for one round trip, not four.
 * The answer is built before writing (ids, codes and times are known) and is exactly what a read returns.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { checkClaim, claimSql, type CommandContext, type CommandOutcome } from '../http/command.js';
import { newId } from '../shared/ids.js';
import type { ResolvedRefs } from './refs.repository.js';
import { insufficientStock, type ReserveLine } from './reserve-stock.js';
import { interpretMovements, movementCtes, movementResult, type MovementRow } from './stock.repository.js';

export interface ReservationView {
  id: string; sku: string; skuId: string; location: string; locationId: string; channelId: string | null; quantity: number;
  committed: number; released: number; status: 'open'; source: 'on_hand'; expectedOn: null; referenceType: string;
  referenceId: string; expiresAt: string | null; createdAt: string; closedAt: null;
}

export async function reserveOnHand(
  trx: Trx,
  lines: readonly ReserveLine[],
  opts: { expiresAt: Date | null; refs: ResolvedRefs; actor: string; ctx: CommandContext },
): Promise<CommandOutcome<{ reservations: ReservationView[] }>> {
  const now = new Date();
  const views: ReservationView[] = lines.map((l) => ({
    id: newId(), sku: opts.refs.code('sku', l.skuId), skuId: l.skuId, location: opts.refs.code('location', l.locationId),
    locationId: l.locationId, channelId: null, quantity: l.quantity, committed: 0, released: 0, status: 'open', source: 'on_hand',
    expectedOn: null, referenceType: l.referenceType, referenceId: l.referenceId, expiresAt: opts.expiresAt?.toISOString() ?? null,
    createdAt: now.toISOString(), closedAt: null,
  }));
  const body = { reservations: views };
  const audit = { action: 'stock.reserved', entityType: 'reservation', entityId: views[0]?.id ?? null, details: { lines: views.length } };
  const claim = opts.ctx.idempotency;
  const idempotency = claimSql(claim, { status: 201, body });
  // Nothing moves unless this request owns its Idempotency-Key (or sent none).
  const owns = sql<boolean>`(${claim === null} OR EXISTS (SELECT 1 FROM claim))`;
  const result = await sql<{ claimed: boolean; prior: Parameters<typeof checkClaim>[1]['prior']; moved: MovementRow[] | null }>`
    WITH ${idempotency.cte},
    ${movementCtes(
      lines.map((l, i) => ({ skuId: l.skuId, locationId: l.locationId, reserved: l.quantity, reason: 'reservation' as const, referenceType: 'reservation', referenceId: views[i]?.id ?? null })),
      {
        guard: 'available', actor: opts.actor, gate: owns,
        reservations: lines.map((l, i) => ({ id: views[i]?.id ?? newId(), skuId: l.skuId, locationId: l.locationId, channelId: null, quantity: l.quantity, referenceType: l.referenceType, referenceId: l.referenceId, expiresAt: opts.expiresAt, createdAt: now })),
      },
    )},
    audit AS (
      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, request_id, details)
      SELECT ${opts.ctx.actorId}::uuid, ${opts.ctx.actorName}, ${audit.action}, ${audit.entityType}, ${audit.entityId}, ${opts.ctx.requestId}, ${JSON.stringify(audit.details)}::jsonb
      WHERE ${owns}
    )
    SELECT ${idempotency.columns}, (SELECT json_agg(r) FROM (${movementResult}) r) AS moved
  `.execute(trx);
  const row = result.rows[0] as { claimed: boolean; prior: Parameters<typeof checkClaim>[1]['prior']; moved: MovementRow[] | null };
  checkClaim(claim, row);
  const { refused } = interpretMovements(row.moved ?? []);
  if (refused.length > 0) {
    const short = lines.flatMap((l, i) => (refused.some((r) => r.skuId === l.skuId && r.locationId === l.locationId) ? [i] : []));
    throw await insufficientStock(trx, lines, short);
  }
  return { status: 201, body, audit, persisted: true };
}
