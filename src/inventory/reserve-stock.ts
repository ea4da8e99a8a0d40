/**
 * Reservations: set stock aside for a reference (an order line), release it, or commit it at shipment.
 *
 * Reserving is all-or-nothing across the lines of one request: one conditional statement reserves every line whose
 * stock suffices; if any line falls short (and no presale supply covers it), the whole transaction is rolled back and
 * the answer lists the shortfall of each short line.
 */
import type { DbOrTrx, Trx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { channelAvailability } from './availability.repository.js';
import { freeUnits } from './inventory.js';
import {
  closeReservationQuantities, insertIncomingReservations, lockAllocatedSkus, lockExpiredReservations,
  lockOpenReservations, releaseIncoming, reserveIncoming,
} from './reservation.repository.js';
import { applyMovements, findLevels, type LevelRow, type Movement, type NewReservation } from './stock.repository.js';

export interface ReserveLine {
  skuId: string;
  locationId: string;
  quantity: number;
  referenceType: string;
  referenceId: string;
}

export interface ReserveRequest {
  lines: readonly ReserveLine[];
  channel?: { id: string; presaleDays: number } | null;
  expiresAt?: Date | null;
  /** Promise supply expected within this many days when stock on hand falls short (default: the channel's window). */
  presaleDays?: number;
  actor: string;
  today: string;
}

export interface ReservedLine extends ReserveLine {
  reservationId: string;
  source: 'on_hand' | 'incoming';
  expectedOn: string | null;
}

export interface Shortfall {
  index: number;
  skuId: string;
  locationId: string;
  requested: number;
  available: number;
  shortBy: number;
}

const addDays = (isoDate: string, days: number) => {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

export async function reserveStock(trx: Trx, req: ReserveRequest): Promise<ReservedLine[]> {
  const channelId = req.channel?.id ?? null;
  if (channelId) await checkChannelAllocation(trx, channelId, req.lines);

  const ids = req.lines.map(() => newId());
  const reservations: NewReservation[] = req.lines.map((line, i) => ({
    id: ids[i] ?? newId(), skuId: line.skuId, locationId: line.locationId, channelId, quantity: line.quantity,
    referenceType: line.referenceType, referenceId: line.referenceId, expiresAt: req.expiresAt ?? null,
  }));
  const movements: Movement[] = req.lines.map((line, i) => ({
    skuId: line.skuId, locationId: line.locationId, reserved: line.quantity, reason: 'reservation',
    referenceType: 'reservation', referenceId: ids[i] ?? null,
  }));
  const { refused } = await applyMovements(trx, movements, { guard: 'available', actor: req.actor, reservations });

  const refusedKeys = new Set(refused.map((r) => `${r.skuId}/${r.locationId}`));
  const result: ReservedLine[] = req.lines.map((line, i) => ({
    ...line, reservationId: ids[i] ?? '', source: 'on_hand', expectedOn: null,
  }));
  if (refused.length > 0) {
    const presaleDays = req.presaleDays ?? req.channel?.presaleDays ?? 0;
    const short = result.map((line, index) => ({ line, index })).filter(({ line }) => refusedKeys.has(`${line.skuId}/${line.locationId}`));
    const unmet: typeof short = [];
    for (const entry of short) {
      const promised = presaleDays > 0
        ? await reserveIncoming(trx, entry.line.skuId, entry.line.locationId, entry.line.quantity, addDays(req.today, presaleDays))
        : undefined;
      if (!promised) {
        unmet.push(entry);
        continue;
      }
      entry.line.source = 'incoming';
      entry.line.expectedOn = promised.expectedOn;
      await insertIncomingReservations(trx, [{
        id: entry.line.reservationId, skuId: entry.line.skuId, locationId: entry.line.locationId, channelId,
        supplyLineId: promised.id, quantity: entry.line.quantity, referenceType: entry.line.referenceType,
        referenceId: entry.line.referenceId, expiresAt: req.expiresAt ?? null,
      }]);
    }
    if (unmet.length > 0) throw await insufficientStock(trx, req.lines, unmet.map((u) => u.index));
  }
  return result;
}

/** The 409 for lines that cannot be met: each short line with what was asked and what is free there now. */
export async function insufficientStock(db: DbOrTrx, lines: readonly ReserveLine[], shortIndexes: number[]): Promise<AppError> {
  return shortfallError(lines, shortIndexes, await findLevels(db, shortIndexes.map((i) => lines[i] as ReserveLine)));
}

/** insufficientStock for a caller that has read the levels already: `levels[k]` is the level of `shortIndexes[k]`. */
export function shortfallError(lines: readonly ReserveLine[], shortIndexes: number[], levels: readonly (LevelRow | undefined)[]): AppError {
  const requestedPerPair = new Map<string, number>();
  for (const l of lines) requestedPerPair.set(`${l.skuId}/${l.locationId}`, (requestedPerPair.get(`${l.skuId}/${l.locationId}`) ?? 0) + l.quantity);
  const shortfalls: Shortfall[] = shortIndexes.map((index, k) => {
    const line = lines[index] as ReserveLine;
    const level = levels[k];
    const available = level ? Math.max(0, freeUnits(level)) : 0;
    const requested = requestedPerPair.get(`${line.skuId}/${line.locationId}`) ?? line.quantity;
    return { index, skuId: line.skuId, locationId: line.locationId, requested: line.quantity, available, shortBy: Math.max(1, requested - available) };
  });
  const summary = shortfalls.map((s) => `line ${s.index}: ${s.requested} requested, ${s.available} available`).join('; ');
  return new AppError('insufficient_stock', `not enough stock; nothing was reserved (${summary})`, { lines: shortfalls });
}

/**
 * A channel may reserve at most its ATP: its own quota left plus what is left of the shared pool. Only SKUs with
 * allocation rules pay for this check; they are serialised per SKU so that two channels cannot both take the last
 * units of the pool.
 */
export async function checkChannelAllocation(trx: Trx, channelId: string, lines: readonly Pick<ReserveLine, 'skuId' | 'locationId' | 'quantity'>[]): Promise<void> {
  const allocated = await lockAllocatedSkus(trx, lines.map((l) => l.skuId));
  if (allocated.length === 0) return;
  const atp = new Map((await channelAvailability(trx, allocated, [channelId])).map((a) => [a.skuId, a.available]));
  const refusal = allocationShortfall(lines, atp);
  if (refusal) throw refusal;
}

/**
 * The 409 for lines the channel's allocation does not cover, given what it has left per allocated SKU (`atp`; SKUs
 * not in it are not under allocation); null when every line fits. Shared by the allocation check and by capture
 * batches, whose statement decides quotas itself (ordo_decide_captures).
 */
export function allocationShortfall(lines: readonly Pick<ReserveLine, 'skuId' | 'locationId' | 'quantity'>[], atp: ReadonlyMap<string, number>): AppError | null {
  const wanted = new Map<string, number>();
  for (const l of lines) if (atp.has(l.skuId)) wanted.set(l.skuId, (wanted.get(l.skuId) ?? 0) + l.quantity);
  const short = [...wanted].filter(([skuId, qty]) => qty > (atp.get(skuId) ?? 0));
  if (short.length === 0) return null;
  return new AppError(
    'insufficient_stock',
    `the channel's allocation does not cover ${short.map(([skuId, qty]) => `${qty} of SKU ${skuId} (${atp.get(skuId) ?? 0} available to this channel)`).join(', ')}; nothing was reserved`,
    { lines: lines.flatMap((l, index) => (short.some(([s]) => s === l.skuId) ? [{ index, skuId: l.skuId, locationId: l.locationId, requested: l.quantity, available: atp.get(l.skuId) ?? 0, shortBy: (wanted.get(l.skuId) ?? 0) - (atp.get(l.skuId) ?? 0) }] : [])) },
  );
}

export type CloseMode = 'release' | 'commit' | 'expire';

/**
 * Releases (back to available), commits (shipped: on hand and reserved both go down) or expires open reservations,
 * wholly or `quantity` of each. Returns the ids touched.
 */
export async function closeReservations(
  trx: Trx,
  target: { ids?: readonly string[]; referenceType?: string; referenceId?: string },
  mode: CloseMode,
  opts: { quantity?: number; actor: string; referenceType?: string; referenceId?: string },
): Promise<string[]> {
  const rows = await lockOpenReservations(trx, target);
  if (target.ids) {
    const found = new Set(rows.map((r) => r.id));
    const missing = target.ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new AppError('not_found', `no reservation ${missing.join(', ')}`);
  }
  const open = rows.filter((r) => r.status === 'open');
  if (target.ids && open.length < rows.length) {
    const closed = rows.find((r) => r.status !== 'open');
    throw new AppError('invalid_state', `reservation ${closed?.id} is ${closed?.status}; only open reservations can be released or committed`, {
      currentStatus: closed?.status, allowed: ['open'],
    });
  }
  const changes = open.map((r) => {
    const quantity = opts.quantity ?? r.quantity;
    if (quantity > r.quantity) {
      throw new AppError('invalid_state', `reservation ${r.id} holds ${r.quantity}, so ${quantity} cannot be taken out of it`, { held: r.quantity });
    }
    return { ...r, quantity };
  });
  if (mode === 'commit') {
    const incoming = changes.find((c) => c.supplyLineId !== null);
    if (incoming) throw new AppError('invalid_state', `reservation ${incoming.id} is promised from incoming supply that has not arrived; receive it first`);
  }
  // The reservations are closed before the stock moves: the stock change publishes channel ATP (ADR 0001), and a
  // channel's quota use counts its open reservations.
  await closeReservationQuantities(trx, changes, mode === 'commit' ? 'committed' : mode === 'expire' ? 'expired' : 'released');
  const onHand = changes.filter((c) => c.supplyLineId === null);
  const { refused } = await applyMovements(
    trx,
    onHand.map((c) => ({
      skuId: c.skuId, locationId: c.locationId, reserved: -c.quantity,
      onHand: mode === 'commit' ? -c.quantity : 0,
      reason: mode === 'commit' ? 'shipment' : 'release',
      referenceType: opts.referenceType ?? 'reservation', referenceId: opts.referenceId ?? c.id,
      note: mode === 'expire' ? 'expired' : null,
    })),
    { guard: 'stock', actor: opts.actor },
  );
  if (refused.length > 0) throw new Error(`reservation counters out of step for ${JSON.stringify(refused)}; run ordo check`);
  await releaseIncoming(trx, changes.filter((c) => c.supplyLineId !== null).map((c) => ({ supplyLineId: c.supplyLineId as string, quantity: c.quantity })));
  return changes.map((c) => c.id);
}

/** Releases one batch of expired reservations; returns how many (0 when none are due). */
export async function expireReservations(trx: Trx, now: Date, batch = 500): Promise<number> {
  const ids = await lockExpiredReservations(trx, now, batch);
  if (ids.length === 0) return 0;
  await closeReservations(trx, { ids }, 'expire', { actor: 'system:expiry' });
  return ids.length;
}
