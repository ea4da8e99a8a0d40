/**
 * Capture: one order from a channel, checked, reviewed and reserved, all or nothing.
 *
 * 1. check the request itself (totals, customer contact, delivery method): `prepareCapture`;
 * 2. read everything the decision needs in one statement (channel, SKUs, customer, rules, stock, duplicates);
 * 3. decide, purely: where each line is reserved (or backordered, or promised from incoming supply), review holds
 *    and flags, the status, the answer: `planCapture`;
 * 4. write the order with its lines, holds, flags, timeline, events, audit row, stored answer and reservations in one
 *    statement — unless the channel already sent this external reference, in which case the existing order is the
 *    answer (idempotent per channel).
 *
 * Under load, step 2 and 4 run for a batch of orders at once (src/order/capture-batch.ts). `captureOrder` here is the
 * path inside one transaction: for orders a batch leaves to it (presale, channel allocation, duplicates, races), and
 * for every retry (a bulk request runs these in savepoints of its own transaction).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Trx } from '../db/database.js';
import { checkClaim, RetryCommand, type CommandContext, type CommandOutcome, type IdempotencyClaim } from '../http/command.js';
import { insertIncomingReservations, reserveIncoming } from '../inventory/reservation.repository.js';
import { checkChannelAllocation } from '../inventory/reserve-stock.js';
import { findLevels } from '../inventory/stock.repository.js';
import { normaliseEmail, normalisePhone } from '../customer/customer.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { readCaptureFacts, writeCaptures, type CaptureWrite, type FactsQuery, type IncomingFact, type RequestFacts, type SharedFacts, type StockFact } from './capture.repository.js';
import { chooseLocations, type Candidate } from './choose-locations.js';
import { totalsMismatch, type CaptureOrder, type Order } from './order.js';
import { loadOrder, statusEvents } from './order.repository.js';
import type { OrderStatus } from './order-status.js';
import { addressProblems, review, type ReviewFacts } from './review.js';

/** md5 of the sorted (sku, quantity) pairs: the same items in any order give the same signature. */
export function itemsSignature(lines: readonly { sku: string; quantity: number }[]): string {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.sku, (merged.get(l.sku) ?? 0) + l.quantity);
  return createHash('md5').update([...merged].sort(([a], [b]) => a.localeCompare(b)).map(([s, q]) => `${s}:${q}`).join('|')).digest('hex');
}

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
  const phone = normalisePhone(input.customer.phone) ?? null;
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

/** A decided capture: the answer, and everything the write statement needs. */
export interface CapturePlan {
  order: Order;
  write: CaptureWrite;
  channelId: string;
  /** Lines to promise from incoming supply (presale), after the write, inside the transaction. */
  presale: { lineId: string; skuId: string; locationId: string; quantity: number; promiseBy: string }[];
  /** The on-hand lines need the channel allocation check (SKUs under allocation rules). */
  allocationCheck: boolean;
}

export type Planned =
  | { kind: 'plan'; plan: CapturePlan }
  /** The channel sent this external reference before: that order is the answer. */
  | { kind: 'existing'; orderId: string }
  /** Some line no location covers whole now: only the transactional path promises supply, backorders or refuses. */
  | { kind: 'uncovered' };

/**
 * Decides one capture from its facts. `stock` is what is free now (a batch passes what its earlier orders left).
 * With `deferUncovered`, an order with a line no location covers is left to the transactional path.
 * Throws the client's errors (unknown channel or SKU, wrong currency, not enough stock, …).
 */
export function planCapture(
  p: PreparedCapture, request: RequestFacts, shared: SharedFacts, stock: readonly StockFact[],
  ctx: Pick<CommandContext, 'actorId' | 'actorName' | 'requestId'>, opts: { deferUncovered: boolean; item?: number },
): Planned {
  const { input, email, phone, deliveryMethod } = p;
  const channel = shared.channels.find((c) => c.code === input.channel || c.id === input.channel.toLowerCase());
  if (!channel) throw new AppError('not_found', `unknown channel "${input.channel}"`, { missing: [{ kind: 'channel', ref: input.channel }] });
  if (request.existing) return { kind: 'existing', orderId: request.existing };
  if (!channel.active) throw new AppError('invalid_state', `channel ${channel.code} is inactive; activate it to take orders`);
  if (input.currency !== channel.currency) {
    throw new AppError('validation_failed', `channel ${channel.code} sells in ${channel.currency}, not ${input.currency}`, {
      errors: [{ path: '/body/currency', message: `expected ${channel.currency}` }],
    });
  }
  const skuByRef = new Map<string, { id: string; code: string; active: boolean }>();
  for (const s of shared.skus) {
    skuByRef.set(s.code, s);
    skuByRef.set(s.id, s);
  }
  const skuOf = (ref: string) => skuByRef.get(ref) ?? skuByRef.get(ref.toLowerCase());
  const unknown = [...new Set(input.lines.map((l) => l.sku).filter((ref) => !skuOf(ref)))];
  if (unknown.length > 0) {
    throw new AppError('not_found', `unknown SKU ${unknown.map((u) => `"${u}"`).join(', ')}`, { missing: unknown.map((ref) => ({ kind: 'sku', ref })) });
  }
  const inactive = input.lines.map((l, i) => ({ i, sku: skuOf(l.sku) })).filter((x) => x.sku && !x.sku.active);
  if (inactive.length > 0) {
    throw new AppError('validation_failed', `SKU ${inactive.map((x) => x.sku?.code).join(', ')} is not active`, {
      errors: inactive.map((x) => ({ path: `/body/lines/${x.i}/sku`, message: 'inactive SKU' })),
    });
  }
  const pickupRef = input.pickupLocation;
  const pickup = pickupRef ? shared.pickups.find((l) => l.code === pickupRef || l.id === pickupRef.toLowerCase()) ?? null : null;
  if (deliveryMethod === 'pickup' && (!pickup || !pickup.active || !pickup.can_pickup)) {
    if (!pickup) throw new AppError('not_found', `unknown location "${input.pickupLocation}"`);
    throw new AppError('validation_failed', `location ${pickup.code} does not offer pickup`, { errors: [{ path: '/body/pickupLocation', message: 'not a pickup location' }] });
  }

  // Where each line is reserved.
  const lines = input.lines.map((l, index) => {
    const sku = skuOf(l.sku) as { id: string; code: string };
    return { index, skuId: sku.id, skuCode: sku.code, quantity: l.quantity, input: l };
  });
  const skuIds = new Set(lines.map((l) => l.skuId));
  const candidates = new Map<string, Candidate>();
  for (const s of stock) {
    if (!skuIds.has(s.skuId) || s.free <= 0) continue;
    const c = candidates.get(s.locationId) ?? { locationId: s.locationId, code: s.code, priority: s.priority, canShip: s.canShip, canPickup: s.canPickup, free: new Map() };
    c.free.set(s.skuId, s.free);
    candidates.set(s.locationId, c);
  }
  const choice = chooseLocations(lines, [...candidates.values()], { method: deliveryMethod, pickupLocationId: pickup?.id ?? null });
  if (choice.uncovered.length > 0 && opts.deferUncovered) return { kind: 'uncovered' };
  // Lines no location covers: presale from incoming supply, else backorder, if the channel allows; else refuse.
  const presale = new Map<number, IncomingFact>();
  const backordered = new Set<number>();
  const incoming = shared.incoming.filter((s) => s.inDays <= channel.presale_days).map((s) => ({ ...s })).sort((a, b) => a.priority - b.priority);
  for (const index of choice.uncovered) {
    const line = lines[index] as (typeof lines)[number];
    const supply = deliveryMethod === 'ship' ? incoming.find((s) => s.skuId === line.skuId && s.free >= line.quantity) : undefined;
    if (supply && channel.presale_days > 0) {
      supply.free -= line.quantity;
      presale.set(index, supply);
    } else if (channel.allow_backorder) {
      backordered.add(index);
    }
  }
  const short = choice.uncovered.filter((i) => !presale.has(i) && !backordered.has(i));
  if (short.length > 0) {
    const available = (skuId: string) => [...candidates.values()].filter((c) => deliveryMethod === 'pickup' ? c.locationId === pickup?.id : c.canShip)
      .reduce((a, c) => Math.max(a, c.free.get(skuId) ?? 0), 0);
    const details = short.map((index) => {
      const l = lines[index] as (typeof lines)[number];
      return { index, sku: l.input.sku, skuId: l.skuId, requested: l.quantity, available: available(l.skuId), shortBy: l.quantity - available(l.skuId) };
    });
    throw new AppError('insufficient_stock', `not enough stock for ${details.map((d) => `line ${d.index} (${d.sku}: ${d.requested} requested, ${d.available} available in one location)`).join(', ')}; nothing was captured`, { lines: details });
  }

  // Review.
  const unitsPerSku = new Map<string, number>();
  for (const l of lines) unitsPerSku.set(l.skuId, (unitsPerSku.get(l.skuId) ?? 0) + l.quantity);
  const facts4review: ReviewFacts = {
    'order.totalMinor': input.totals.totalMinor,
    'order.subtotalMinor': input.totals.subtotalMinor,
    'order.currency': input.currency,
    'order.lineCount': input.lines.length,
    'order.totalUnits': lines.reduce((a, l) => a + l.quantity, 0),
    'order.maxUnitsPerSku': Math.max(...unitsPerSku.values()),
    'order.hasRemark': Boolean(input.buyerRemark?.trim()),
    'order.buyerRemark': input.buyerRemark ?? null,
    'order.deliveryMethod': deliveryMethod,
    'order.channel': channel.code,
    'order.shippingCountry': input.shippingAddress?.country ?? null,
    'order.isB2b': input.customer.type === 'business' || Boolean(input.purchaseOrderNumber),
    'address.valid': deliveryMethod === 'pickup' || addressProblems(input.shippingAddress).length === 0,
    'payment.authorized': (input.payment?.authorizedMinor ?? 0) >= input.totals.totalMinor,
    'payment.method': input.payment?.method ?? null,
    'customer.blocked': request.customer?.blocked ?? false,
    'customer.email': email,
    'customer.isNew': request.customer === null,
    'duplicate.minutesSinceIdentical': request.minutes_since_identical,
  };
  const outcome = review(shared.rules, facts4review);

  const status: OrderStatus = outcome.holds.length > 0 ? 'on_hold' : backordered.size > 0 ? 'confirmed' : 'allocated';
  const path = status === 'on_hold' ? (['received', 'on_hold'] as const) : status === 'confirmed' ? (['received', 'confirmed'] as const) : (['received', 'confirmed', 'allocated'] as const);
  const timeline = path.map((to, i) => ({
    type: i === 0 ? 'placed' : 'status_changed',
    from: i === 0 ? null : (path[i - 1] as string),
    to,
    message: i === 0 ? `Order placed on ${channel.code} as ${input.externalRef}`
      : to === 'on_hold' ? `Held for review: ${outcome.holds.map((h) => h.reasonCode).join(', ')}`
        : to === 'confirmed' ? (backordered.size > 0 ? `Confirmed; ${backordered.size} line(s) backordered` : 'Passed review')
          : 'Every line reserved',
    event: statusEvents[to],
  }));

  // The answer is known before writing: it is stored with the order (Idempotency-Key) and returned as is.
  const orderId = newId();
  const now = new Date();
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const customer = request.customer ?? { id: newId(), name: input.customer.name, email, phone };
  const locationCode = new Map<string, string>([...candidates.values()].map((c) => [c.locationId, c.code]));
  const lineRows = lines.map((l, i) => {
    const promised = presale.get(i);
    const locationId = choice.assigned.get(i) ?? promised?.locationId ?? null;
    return {
      id: newId(), lineNo: i + 1, sku: l.skuCode, skuId: l.skuId, locationId,
      location: locationId ? (locationCode.get(locationId) ?? promised?.code ?? null) : null,
      quantity: l.quantity, allocated: backordered.has(i) ? 0 : l.quantity, shipped: 0, cancelled: 0, returned: 0,
      backordered: backordered.has(i) ? l.quantity : 0, unitPriceMinor: l.input.unitPriceMinor, discountMinor: l.input.discountMinor ?? 0,
      taxMinor: l.input.taxMinor ?? 0, totalMinor: l.input.unitPriceMinor * l.quantity - (l.input.discountMinor ?? 0) + (l.input.taxMinor ?? 0),
    };
  });
  const holdRows = outcome.holds.map((h) => ({ id: newId(), ...h }));
  const order: Order = {
    id: orderId, number: `${channel.order_number_prefix}${request.order_seq}`, channel: channel.code, externalRef: input.externalRef, status,
    customer: { id: customer.id, name: customer.name, email: customer.email, phone: customer.phone },
    currency: input.currency, totals: input.totals,
    payment: input.payment ? { method: input.payment.method, authorizedMinor: input.payment.authorizedMinor } : null,
    deliveryMethod, pickupLocation: pickup?.code ?? null,
    shippingAddress: input.shippingAddress ?? null, billingAddress: input.billingAddress ?? null,
    buyerRemark: input.buyerRemark ?? null, purchaseOrderNumber: input.purchaseOrderNumber ?? null, enteredBy: input.enteredBy ?? null,
    lines: lineRows.map(({ locationId: _locationId, ...line }) => line),
    holds: holdRows.map((h) => ({ id: h.id, reasonCode: h.reasonCode, rule: h.rule, note: null, status: 'open' as const, createdAt: now.toISOString(), decidedAt: null, decidedBy: null })),
    flags: outcome.flags.map((f) => f.reasonCode).sort(),
    trackingToken: randomBytes(18).toString('base64url'), mergedInto: null, splitFrom: null,
    placedAt: placedAt.toISOString(), updatedAt: now.toISOString(), version: 1,
  };
  const search = [input.customer.name, email, phone, input.customer.company, input.shippingAddress?.name, input.shippingAddress?.line1,
    input.shippingAddress?.city, input.shippingAddress?.postalCode, input.externalRef].filter(Boolean).join(' ').toLowerCase();
  const onHand = lines.filter((l) => choice.assigned.has(l.index));
  const write: CaptureWrite = {
    order: {
      item: opts.item ?? 0, principal_id: p.claim?.principalId ?? null, key: p.claim?.key ?? null, method: p.claim?.method ?? null,
      path: p.claim?.path ?? null, request_hash: p.claim?.requestHash ?? null, answer: p.claim ? order : null,
      order_id: orderId, number: order.number, channel_id: channel.id, channel_code: channel.code, external_ref: input.externalRef,
      customer_id: customer.id, new_customer: request.customer === null, email, phone, customer_name: input.customer.name,
      customer_type: input.customer.type ?? 'person', company: input.customer.company ?? null, vat_id: input.customer.vatId ?? null,
      status, currency: input.currency, subtotal_minor: input.totals.subtotalMinor, discount_minor: input.totals.discountMinor,
      shipping_minor: input.totals.shippingMinor, tax_minor: input.totals.taxMinor, total_minor: input.totals.totalMinor,
      payment_method: input.payment?.method ?? null, payment_authorized_minor: input.payment?.authorizedMinor ?? 0,
      delivery_method: deliveryMethod, pickup_location_id: pickup?.id ?? null,
      shipping_address: input.shippingAddress ?? null, billing_address: input.billingAddress ?? null,
      buyer_remark: input.buyerRemark ?? null, purchase_order_number: input.purchaseOrderNumber ?? null, entered_by: input.enteredBy ?? null,
      search_text: search, tracking_token: order.trackingToken, items_signature: p.signature, placed_at: order.placedAt, now: order.updatedAt,
      actor_id: ctx.actorId, actor_name: ctx.actorName, request_id: ctx.requestId,
      audit_details: { channel: channel.code, externalRef: input.externalRef },
    },
    lines: lineRows.map((l) => ({
      id: l.id, line_no: l.lineNo, sku_id: l.skuId, location_id: l.locationId, quantity: l.quantity, allocated: l.allocated,
      backordered: l.backordered, unit_price_minor: l.unitPriceMinor, discount_minor: l.discountMinor, tax_minor: l.taxMinor,
    })),
    holds: holdRows.map((h) => ({ id: h.id, reason_code: h.reasonCode, rule_id: h.ruleId })),
    flags: outcome.flags.map((f) => ({ reason_code: f.reasonCode, rule_id: f.ruleId })),
    timeline,
    reserve: onHand.map((l) => ({
      lineId: (lineRows[l.index] as { id: string }).id, reservationId: newId(), skuId: l.skuId,
      locationId: choice.assigned.get(l.index) as string, quantity: l.quantity, channelId: channel.id,
    })),
  };
  const allocated = new Set(shared.allocatedSkus);
  return {
    kind: 'plan',
    plan: {
      order, write, channelId: channel.id,
      presale: [...presale].map(([index, supply]) => ({
        lineId: (lineRows[index] as { id: string }).id, skuId: supply.skuId, locationId: supply.locationId,
        quantity: (lines[index] as { quantity: number }).quantity, promiseBy: addDays(now, channel.presale_days),
      })),
      allocationCheck: onHand.some((l) => allocated.has(l.skuId)),
    },
  };
}

/** The transactional path: one order, its key claimed by the first statement. */
export async function captureOrder(trx: Trx, input: CaptureOrder, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const prepared = prepareCapture(input, ctx.idempotency);
  const facts = await readCaptureFacts(trx, [factsQuery(prepared)], ctx.idempotency);
  checkClaim(ctx.idempotency, facts);
  const request = facts.requests[0] as RequestFacts;
  const planned = planCapture(prepared, request, facts.shared, facts.shared.stock, ctx, { deferUncovered: false });
  if (planned.kind === 'existing') return duplicateOf(trx, planned.orderId);
  if (planned.kind === 'uncovered') throw new Error('unreachable: the transactional path decides uncovered lines itself');
  const { plan } = planned;
  if (plan.allocationCheck) {
    await checkChannelAllocation(trx, plan.channelId, plan.write.reserve.map((r) => ({ skuId: r.skuId, locationId: r.locationId, quantity: r.quantity })));
  }
  const [written] = (await writeCaptures(trx, [plan.write], { strict: false })).orders;
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
  return { status: 201, body: plan.order, audit: null, persisted: true };
}

async function duplicateOf(trx: Trx, orderId: string): Promise<CommandOutcome<Order>> {
  return { status: 200, body: { ...(await loadOrder(trx, orderId)), duplicate: true }, audit: null };
}

const addDays = (from: Date, days: number) => new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Stock read a moment ago was taken by a concurrent order: decide again on fresh numbers (the runner retries the
 * whole capture), or, on the last try, refuse with each short line and what is free there now.
 */
async function stockMoved(trx: Trx, ctx: CommandContext, reserve: CaptureWrite['reserve']): Promise<never> {
  if (ctx.attempt < 3) throw new RetryCommand('stock moved during capture');
  const levels = await findLevels(trx, reserve);
  const details = reserve.map((r, k) => {
    const level = levels[k];
    const available = level ? Math.max(0, level.onHand - level.reserved - level.quarantined - level.safetyStock) : 0;
    return { skuId: r.skuId, locationId: r.locationId, requested: r.quantity, available, shortBy: Math.max(0, r.quantity - available) };
  }).filter((d) => d.shortBy > 0);
  throw new AppError('insufficient_stock', `not enough stock; nothing was captured (${details.map((d) => `SKU ${d.skuId}: ${d.requested} requested, ${d.available} available`).join('; ')})`, { lines: details });
}
