/**
 * Capture: one order from a channel, checked, reviewed and reserved, all or nothing.
 *
 * 1. check the request itself (totals, customer contact, delivery method): `prepareCapture`;
 * 2. read everything the decision needs in one statement (channel, SKUs, customer, rules, stock, duplicates);
 * 3. decide, purely: where each line is reserved (or backordered, or promised from incoming supply), review holds
 *    and flags, the status, the answer: `planCapture` (plan-capture.ts, in named steps);
 * 4. write the order with its lines, holds, flags, timeline, events, audit row, stored answer and reservations in one
 *    statement — unless the channel already sent this external reference, in which case the existing order is the
 *    answer (idempotent per channel).
 *
 * Under load, step 2 and 4 run for a batch of orders at once (src/order/capture-batch.ts). `captureOrder` here is the
 * path inside one transaction: for orders a batch leaves to it (presale, channel allocation, duplicates, races), and
 * for every retry (a bulk request runs these in savepoints of its own transaction).
 */
import type { Trx } from '../db/database.js';
import { checkClaim, RetryCommand, type CommandContext, type CommandResult, type IdempotencyClaim, MAX_ATTEMPTS } from '../db/command.js';
import { checkChannelAllocation, findLevels, freeUnits, insertIncomingReservations, reserveIncoming } from '../inventory/index.js';
import { normaliseEmail, normalisePhone } from '../customer/index.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { systemClock } from '../shared/clock.js';
import { readCaptureFacts, writeCaptures, type CaptureWrite, type FactsQuery, type RequestFacts } from './capture.repository.js';
import { totalsMismatch, type CaptureOrder, type Order } from './order.js';
import { loadOrder } from './order.repository.js';
import { itemsSignature } from './order-state.js';
import { captureStock, planCapture } from './plan-capture.js';

/** A request that passed the checks needing no database, with what they derived. */
export interface PreparedCapture {
  input: CaptureOrder;
  email: string | null;
  phone: string | null;
  deliveryMethod: 'ship' | 'pickup';
  signature: string;
  claim: IdempotencyClaim | null;
}

export function prepareCapture(input: CaptureOrder, claim: IdempotencyClaim | null): PreparedCapture {
  const mismatch = totalsMismatch(input);
  if (mismatch.length > 0) {
    throw new AppError('validation_failed', `the totals do not add up: ${mismatch.map((m) => `${m.path}: ${m.message}`).join('; ')}`, { errors: mismatch });
  }
  const email = normaliseEmail(input.customer.email) ?? null;
  const phone = normalisePhone(input.customer.phone, input.shippingAddress?.country ?? input.billingAddress?.country) ?? null;
  if (!email && !phone) {
    throw new AppError('validation_failed', 'the customer needs an email or a phone number', { errors: [{ path: '/body/customer', message: 'give email or phone' }] });
  }
  const deliveryMethod = input.deliveryMethod ?? (input.pickupLocation ? 'pickup' : 'ship');
  if (deliveryMethod === 'pickup' && !input.pickupLocation) {
    throw new AppError('validation_failed', 'a pickup order needs pickupLocation', { errors: [{ path: '/body/pickupLocation', message: 'required for pickup' }] });
  }
  return { input, email, phone, deliveryMethod, signature: itemsSignature(input.lines), claim };
}

export const factsQuery = (p: PreparedCapture): FactsQuery => ({
  channel: p.input.channel, skus: p.input.lines.map((l) => l.sku), pickupLocation: p.input.pickupLocation ?? null,
  externalRef: p.input.externalRef, email: p.email, phone: p.phone, signature: p.signature, claim: p.claim,
});

/** The transactional path: one order, its key claimed by the first statement. */
export async function captureOrder(trx: Trx, input: CaptureOrder, ctx: CommandContext): Promise<CommandResult<Order>> {
  const prepared = prepareCapture(input, ctx.idempotency);
  const facts = await readCaptureFacts(trx, [factsQuery(prepared)], ctx.idempotency);
  checkClaim(ctx.idempotency, facts);
  const request = facts.requests[0] as RequestFacts;
  const planned = planCapture(prepared, request, facts.shared, captureStock(facts.shared), ctx, { deferUncovered: false, clock: systemClock });
  if (planned.kind === 'existing') return duplicateOf(trx, planned.orderId);
  if (planned.kind === 'uncovered') throw new Error('unreachable: the transactional path decides uncovered lines itself');
  const { plan } = planned;
  if (plan.allocationCheck) {
    await checkChannelAllocation(trx, plan.channelId, plan.write.reserve.map((r) => ({ skuId: r.skuId, locationId: r.locationId, quantity: r.quantity })));
  }
  const [written] = (await writeCaptures(trx, [plan.write], { strict: false, quotas: false })).orders;
  if (!written?.placed) {
    if (written?.accepted === false) await stockMoved(trx, ctx, plan.write.reserve);
    // The same (channel, external reference) was captured by a concurrent request that committed first.
    const existing = await trx.selectFrom('orders').select('id').where('channel_id', '=', plan.channelId).where('external_ref', '=', input.externalRef).executeTakeFirstOrThrow();
    return duplicateOf(trx, existing.id);
  }
  for (const line of plan.presale) {
    const promised = await reserveIncoming(trx, line.skuId, line.locationId, line.quantity, line.promiseBy);
    if (!promised) throw new RetryCommand('incoming supply was promised meanwhile');
    await insertIncomingReservations(trx, [{
      id: newId(), skuId: line.skuId, locationId: line.locationId, channelId: plan.channelId, supplyLineId: promised.id, quantity: line.quantity,
      referenceType: 'order_line', referenceId: line.lineId, expiresAt: null,
    }]);
  }
  return { created: true, value: plan.order, audit: null, persisted: true };
}

async function duplicateOf(trx: Trx, orderId: string): Promise<CommandResult<Order>> {
  return { created: false, value: { ...(await loadOrder(trx, orderId)), duplicate: true }, audit: null };
}

/**
 * Stock read a moment ago was taken by a concurrent order: decide again on fresh numbers (the runner retries the
 * whole capture), or, on the last try, refuse with each short line and what is free there now.
 */
async function stockMoved(trx: Trx, ctx: CommandContext, reserve: CaptureWrite['reserve']): Promise<never> {
  if (ctx.attempt < MAX_ATTEMPTS) throw new RetryCommand('stock moved during capture');
  const levels = await findLevels(trx, reserve);
  const details = reserve.map((r, k) => {
    const level = levels[k];
    const available = level ? Math.max(0, freeUnits(level)) : 0;
    return { skuId: r.skuId, locationId: r.locationId, requested: r.quantity, available, shortBy: Math.max(0, r.quantity - available) };
  }).filter((d) => d.shortBy > 0);
  throw new AppError('insufficient_stock', `not enough stock; nothing was captured (${details.map((d) => `SKU ${d.skuId}: ${d.requested} requested, ${d.available} available`).join('; ')})`, { lines: details });
}
