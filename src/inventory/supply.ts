/**
 * Future supply: purchase orders, production orders and transfers between locations. Open lines are incoming
 * stock with an expected date; receiving moves their quantity into on hand and turns the presale reservations
 * promised against them into ordinary reservations, oldest first.
 */
import type { Trx } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { moveStock } from './move-stock.js';
import { closeReservations } from './reserve-stock.js';
import type { Movement } from './stock.repository.js';
import {
  closeSupplyLines, findSupplyOrder, incomingReservations, insertSupplyOrder, moveReservationsOnHand, setSupplyStatus,
  updateSupplyLines,
} from './supply.repository.js';

export type SupplyType = 'purchase_order' | 'production_order' | 'transfer';

export interface NewSupply {
  type: SupplyType;
  reference: string | null;
  locationId: string;
  sourceLocationId: string | null;
  expectedOn: string;
  lines: readonly { skuId: string; quantity: number; expectedOn?: string }[];
}

/** Creates a supply order. A transfer leaves its source at once (transfer_out) and is in transit until received. */
export async function createSupply(trx: Trx, input: NewSupply, actor: string): Promise<string> {
  const repeated = input.lines.find((l, i) => input.lines.findIndex((m) => m.skuId === l.skuId) !== i);
  if (repeated) throw new AppError('validation_failed', `SKU ${repeated.skuId} appears twice; one line per SKU`);
  const id = newId();
  const lines = input.lines.map((l) => ({ id: newId(), skuId: l.skuId, quantity: l.quantity, expectedOn: l.expectedOn ?? input.expectedOn }));
  const isTransfer = input.type === 'transfer';
  if (isTransfer && input.sourceLocationId === input.locationId) {
    throw new AppError('validation_failed', 'a transfer needs two different locations');
  }
  await insertSupplyOrder(trx, { ...input, id, status: isTransfer ? 'in_transit' : 'open' }, lines);
  if (isTransfer && input.sourceLocationId) {
    await moveStock(
      trx,
      lines.map((l) => ({ skuId: l.skuId, locationId: input.sourceLocationId as string, onHand: -l.quantity, reason: 'transfer_out', referenceType: 'transfer', referenceId: id })),
      actor,
      'transfer',
    );
  }
  return id;
}

/** Receives some or all of a supply order's open quantities at its destination. */
export async function receiveSupply(
  trx: Trx,
  id: string,
  received: readonly { skuId: string; quantity: number }[] | null,
  actor: string,
): Promise<void> {
  const found = await findSupplyOrder(trx, id, { lock: true });
  if (!found) throw notFound('supply order', id);
  const { order, lines } = found;
  if (order.status !== 'open' && order.status !== 'in_transit') {
    throw new AppError('invalid_state', `the supply order is ${order.status}; only open or in-transit orders can be received`, { currentStatus: order.status, allowed: ['open', 'in_transit'] });
  }
  const wanted = received ?? lines.filter((l) => l.open).map((l) => ({ skuId: l.skuId, quantity: l.quantity - l.received }));
  const changes: { id: string; received: number; reserved: number }[] = [];
  const movements: Movement[] = [];
  const converted: string[] = [];
  const waiting = await incomingReservations(trx, lines.map((l) => l.id));
  for (const item of wanted) {
    const line = lines.find((l) => l.skuId === item.skuId);
    if (!line) throw new AppError('validation_failed', `SKU ${item.skuId} is not on this supply order`);
    const left = line.quantity - line.received;
    if (item.quantity > left) {
      throw new AppError('invalid_state', `only ${left} of ${line.skuCode} are still expected; ${item.quantity} cannot be received`, { expected: left });
    }
    // Hand the arriving units to the oldest waiting presale reservations that fit.
    let handed = 0;
    for (const r of waiting.filter((w) => w.supplyLineId === line.id)) {
      if (handed + r.quantity > item.quantity) break;
      handed += r.quantity;
      converted.push(r.id);
      movements.push({ skuId: line.skuId, locationId: order.locationId, reserved: r.quantity, reason: 'reservation', referenceType: 'reservation', referenceId: r.id, note: 'presale received' });
    }
    if (line.reserved - handed > left - item.quantity) {
      throw new AppError('invalid_state', `receiving ${item.quantity} of ${line.skuCode} would leave presale reservations without supply; receive the whole quantity`);
    }
    changes.push({ id: line.id, received: item.quantity, reserved: handed });
    movements.unshift({
      skuId: line.skuId, locationId: order.locationId, onHand: item.quantity,
      reason: order.type === 'transfer' ? 'transfer_in' : 'receipt', referenceType: order.type, referenceId: order.id,
    });
  }
  await updateSupplyLines(trx, changes);
  await moveReservationsOnHand(trx, converted);
  await moveStock(trx, movements, actor, 'receipt');
  const allReceived = lines.every((l) => l.received + (changes.find((c) => c.id === l.id)?.received ?? 0) >= l.quantity);
  if (allReceived) await setSupplyStatus(trx, id, 'received');
}

/** Cancels an open purchase or production order; presale reservations promised against it are released. */
export async function cancelSupply(trx: Trx, id: string, actor: string): Promise<void> {
  const found = await findSupplyOrder(trx, id, { lock: true });
  if (!found) throw notFound('supply order', id);
  if (found.order.status !== 'open') {
    throw new AppError('invalid_state', `the supply order is ${found.order.status}; only open purchase or production orders can be cancelled`, { currentStatus: found.order.status, allowed: ['open'] });
  }
  const waiting = await incomingReservations(trx, found.lines.map((l) => l.id));
  if (waiting.length > 0) await closeReservations(trx, { ids: waiting.map((w) => w.id) }, 'release', { actor, referenceType: 'supply_order', referenceId: id });
  await closeSupplyLines(trx, id);
  await setSupplyStatus(trx, id, 'cancelled');
}
