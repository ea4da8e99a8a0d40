/**
 * The hot path of POST /v1/reservations (no channel: no allocation rules, no presale): the Idempotency-Key claim,
 * the conditional updates, ledger rows, reservation rows and the audit row in ONE statement (the answer is stored
 * with the claim), so a
 * reservation is one statement in autocommit — and a hot SKU's row lock is held for that statement only.
 * The answer is built before writing (ids, codes and times are known) and is exactly what a read returns.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import { auditCte, checkClaim, claimSql, RetryCommand, type CommandContext, type CommandOutcome } from '../http/command.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { newId } from '../shared/ids.js';
import type { ResolvedRefs } from './refs.repository.js';
import { insufficientStock, type ReserveLine } from './reserve-stock.js';
import { findLevels, interpretMovements, movementCtes, movementResult, type MovementRow } from './stock.repository.js';

/**
 * The statement failed because a line could not be reserved. If every line has enough now, it lost a race with a
 * row being created: run again. Otherwise answer 409 with each short line.
 */
async function refusedAnswer(db: Trx, lines: readonly ReserveLine[], ctx: CommandContext): Promise<never> {
  const levels = await findLevels(db, lines);
  const free = (i: number) => {
    const l = levels[i];
    return l ? l.onHand - l.reserved - l.quarantined - l.safetyStock : 0;
  };
  const short = lines.flatMap((l, i) => (free(i) < l.quantity ? [i] : []));
  if (short.length === 0 && ctx.attempt < 3) throw new RetryCommand('stock row created concurrently');
  throw await insufficientStock(db, lines, short.length > 0 ? short : lines.map((_, i) => i));
}

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
    ${auditCte(opts.ctx, audit, owns)}
    SELECT ${idempotency.columns}, (SELECT json_agg(r) FROM (${movementResult}) r) AS moved,
      -- All or nothing without a transaction around it: a refused row fails the whole statement.
      ordo_refuse_if((SELECT count(*) FROM (${movementResult}) r WHERE r."onHand" IS NULL)) AS complete
  `.execute(trx).catch(async (e: unknown) => {
    if (!isPgError(e, pgCode.stockRefused)) throw e;
    return refusedAnswer(trx, lines, opts.ctx);
  });
  const row = result.rows[0] as { claimed: boolean; prior: Parameters<typeof checkClaim>[1]['prior']; moved: MovementRow[] | null };
  checkClaim(claim, row);
  interpretMovements(row.moved ?? []);
  return { status: 201, body, audit, persisted: true };
}
