/**
 * Deciding one capture from its facts, purely: no database, no clock of its own (a `Clock` gives the time and the
 * new ids). Named steps, each tested with plain data (plan-capture.test.ts):
 *
 * 1. `resolveCapture`: the channel, each line's SKU and the pickup store the request names, or the client's error;
 * 2. `chooseCaptureLocations`: where each line is reserved from the free stock;
 * 3. `coverUncovered`: lines no location covers whole — presale from incoming supply, else backorder, else 409;
 * 4. `reviewFactsOf`: the facts the review rules read;
 * 5. `captureStatusPath`: the status the order starts in and the way there, along the transition table;
 * 6. `buildCapture`: the answer (the order as the API shows it) and the rows the write statement needs.
 */
import type { CommandContext } from '../db/command.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import type { PreparedCapture } from './capture-order.js';
import type { CaptureWrite, ChannelFacts, IncomingFact, PickupFacts, RequestFacts, SharedFacts, StockFact } from './capture.repository.js';
import { freeOf, locate, placeOf, ruleSetOf, sourcePool, sitesFrom, supplyFrom, StockIndex, type CostFunction, type Pool, type Decision, type StoredExplanation, type Place } from '../sourcing/index.js';
import { estimateShippingCost, parcelOf, promiseDelivery, regionOf } from '../fulfillment/index.js';
import type { CaptureLine, Order } from './order.js';
import { statusEvents } from './order.repository.js';
import { shareOrderDiscount } from './order-state.js';
import { allocateMinor } from '../shared/money.js';
import { pathTo, type OrderStatus } from './order-status.js';
import { addressProblems, review, type ReviewFacts, type ReviewOutcome } from './review.js';
import { orderSearchText } from './search-text.js';

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

/** A capture line with its SKU resolved. */
export interface ResolvedLine { index: number; skuId: string; skuCode: string; quantity: number; input: CaptureLine }

export interface Resolved {
  channel: ChannelFacts;
  lines: ResolvedLine[];
  pickup: PickupFacts | null;
}

// ---- 1. resolve -----------------------------------------------------------------------------------------------------

/** The channel, SKUs and pickup store the request names; a 404/400/409 the client can act on when one is wrong. */
export function resolveCapture(p: PreparedCapture, shared: Pick<SharedFacts, 'channels' | 'skus' | 'pickups'>): Resolved {
  const { input, deliveryMethod } = p;
  const channel = shared.channels.find((c) => c.code === input.channel || c.id === input.channel.toLowerCase());
  if (!channel) throw new AppError('not_found', `unknown channel "${input.channel}"`, { missing: [{ kind: 'channel', ref: input.channel }] });
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
  const lines = input.lines.map((l, index) => {
    const sku = skuOf(l.sku) as { id: string; code: string };
    return { index, skuId: sku.id, skuCode: sku.code, quantity: l.quantity, input: l };
  });
  return { channel, lines, pickup };
}

// ---- 2. choose locations ------------------------------------------------------------------------------------------

/**
 * The locations with free units of the order's SKUs, and which line each reserves from: the sourcing engine with
 * the channel's rule set, measuring from the shipping address. `stock` holds what earlier captures of the batch took
 * and the orders they gave each location today (its capacity). A line no single location covers is split over several (`choice.split`) when
 * the rule set says `splitLines` and the order ships (a pickup order is never split away from its store); else it
 * is promised, backordered or refused (`coverUncovered`).
 */
export function chooseCaptureLocations(
  p: Pick<PreparedCapture, 'input'>, r: Resolved, shared: Pick<SharedFacts, 'ruleSets' | 'promise' | 'supply'>, stock: StockIndex, deliveryMethod: 'ship' | 'pickup',
): { candidates: Pool; choice: Decision; destination: Place | null } {
  const candidates = stock.poolFor(r.lines);
  const { ruleSet, source: ruleSetSource } = ruleSetOf(shared.ruleSets, r.channel.id);
  const address = p.input.shippingAddress;
  const destination = deliveryMethod === 'ship' && address ? locate(address) : null;
  const rated = ruleSet.rules.includes('lowest_cost') ? rateTableCost(r, shared) : null;
  const choice = sourcePool(r.lines, candidates, { method: deliveryMethod, pickupLocationId: r.pickup?.id ?? null, destination }, {
    ruleSet: ruleSet.splitLines && deliveryMethod === 'pickup' ? { ...ruleSet, splitLines: false } : ruleSet, ruleSetSource, ...(rated ? { cost: rated, costModel: 'rate tables' as const } : {}),
    ...(shared.supply ? { supply: supplyFrom(shared.supply) } : {}),
  });
  return { candidates, choice, destination };
}

/**
 * `lowest_cost` priced by the carriers' rate tables (the cheapest service from the location's province to the
 * destination's, for the order's units at their catalogue weight), when the rate book has any; null: the engine's
 * distance estimate, as its explanation then says. A way no table prices cannot be compared: no score.
 */
function rateTableCost(r: Resolved, shared: Pick<SharedFacts, 'promise'>): CostFunction | null {
  const facts = shared.promise;
  if (!facts || facts.book.services.length === 0) return null;
  const weights = r.lines.map((l) => facts.parcels.find((k) => k.id === l.skuId)?.weightGrams ?? null).filter((w): w is number => w !== null);
  // The order's units at their mean catalogue weight (half a kilo each when the catalogue has none).
  const unitGrams = weights.length > 0 ? weights.reduce((a, w) => a + w, 0) / weights.length : 500;
  return (from, to, units) => {
    const origin = from?.place?.area ?? null;
    if (!origin || !to.area) return null;
    const quote = estimateShippingCost(facts.book, { originRegion: origin, destinationRegion: to.area, weightGrams: Math.max(1, Math.round(units * unitGrams)), currency: r.channel.currency });
    return quote ? quote.amountMinor : null;
  };
}

// ---- 3. lines no location covers --------------------------------------------------------------------------------

/**
 * Lines no location covers whole now: promised from incoming supply within the channel's presale window (shipping
 * orders only), else backordered if the channel takes backorders; else the whole capture is refused with a 409
 * naming each short line and the most one location has.
 */
export function coverUncovered(
  r: Resolved, uncovered: readonly number[], incoming: readonly IncomingFact[], candidates: Pool, deliveryMethod: 'ship' | 'pickup',
): { presale: Map<number, IncomingFact>; backordered: Set<number> } {
  const { channel, lines, pickup } = r;
  const presale = new Map<number, IncomingFact>();
  const backordered = new Set<number>();
  const supply = incoming.filter((s) => s.inDays <= channel.presale_days).map((s) => ({ ...s })).sort((a, b) => a.priority - b.priority);
  for (const index of uncovered) {
    const line = lines[index] as ResolvedLine;
    const found = deliveryMethod === 'ship' ? supply.find((s) => s.skuId === line.skuId && s.free >= line.quantity) : undefined;
    if (found && channel.presale_days > 0) {
      found.free -= line.quantity;
      presale.set(index, found);
    } else if (channel.allow_backorder) {
      backordered.add(index);
    }
  }
  const short = uncovered.filter((i) => !presale.has(i) && !backordered.has(i));
  if (short.length > 0) {
    const available = (skuId: string) => {
      let most = 0;
      for (let i = 0; i < candidates.locationId.length; i++) {
        if (deliveryMethod === 'pickup' ? candidates.locationId[i] === pickup?.id : candidates.canShip[i]) most = Math.max(most, freeOf(candidates, lines, i, skuId));
      }
      return most;
    };
    const details = short.map((index) => {
      const l = lines[index] as ResolvedLine;
      return { index, sku: l.input.sku, skuId: l.skuId, requested: l.quantity, available: available(l.skuId), shortBy: l.quantity - available(l.skuId) };
    });
    throw new AppError('insufficient_stock', `not enough stock for ${details.map((d) => `line ${d.index} (${d.sku}: ${d.requested} requested, ${d.available} available in one location)`).join(', ')}; nothing was captured`, { lines: details });
  }
  return { presale, backordered };
}

// ---- 4. review facts ------------------------------------------------------------------------------------------------

export function reviewFactsOf(p: PreparedCapture, r: Resolved, request: Pick<RequestFacts, 'customer' | 'minutes_since_identical'>): ReviewFacts {
  const { input, email, deliveryMethod } = p;
  const unitsPerSku = new Map<string, number>();
  for (const l of r.lines) unitsPerSku.set(l.skuId, (unitsPerSku.get(l.skuId) ?? 0) + l.quantity);
  return {
    'order.totalMinor': input.totals.totalMinor,
    'order.subtotalMinor': input.totals.subtotalMinor,
    'order.currency': input.currency,
    'order.lineCount': input.lines.length,
    'order.totalUnits': r.lines.reduce((a, l) => a + l.quantity, 0),
    'order.maxUnitsPerSku': Math.max(...unitsPerSku.values()),
    'order.hasRemark': Boolean(input.buyerRemark?.trim()),
    'order.buyerRemark': input.buyerRemark ?? null,
    'order.deliveryMethod': deliveryMethod,
    'order.channel': r.channel.code,
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
}

// ---- 5. status ------------------------------------------------------------------------------------------------------

export interface TimelineStep { type: string; from: OrderStatus | null; to: OrderStatus; message: string; event: string }

/**
 * Held if a rule holds it; else confirmed while some line waits for stock; else allocated. The way there is the
 * transition table's (`pathTo`), so capture can never start an order where the table does not lead.
 */
export function captureStatusPath(o: { holds: readonly { reasonCode: string }[]; backorderedLines: number; channelCode: string; externalRef: string }):
{ status: OrderStatus; timeline: TimelineStep[] } {
  const status: OrderStatus = o.holds.length > 0 ? 'on_hold' : o.backorderedLines > 0 ? 'confirmed' : 'allocated';
  const path = pathTo(status);
  const timeline = path.map((to, i): TimelineStep => ({
    type: i === 0 ? 'placed' : 'status_changed',
    from: i === 0 ? null : (path[i - 1] as OrderStatus),
    to,
    message: i === 0 ? `Order placed on ${o.channelCode} as ${o.externalRef}`
      : to === 'on_hold' ? `Held for review: ${o.holds.map((h) => h.reasonCode).join(', ')}`
        : to === 'confirmed' ? (o.backorderedLines > 0 ? `Confirmed; ${o.backorderedLines} line(s) backordered` : 'Passed review')
          : 'Every line reserved',
    event: statusEvents[to],
  }));
  return { status, timeline };
}

// ---- 6. the answer and the rows ----------------------------------------------------------------------------------

const addDays = (from: Date, days: number) => new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

export function buildCapture(
  p: PreparedCapture, r: Resolved, request: RequestFacts, shared: Pick<SharedFacts, 'allocatedSkus'>,
  placement: {
    assigned: ReadonlyMap<number, string>; candidates: Pool; presale: ReadonlyMap<number, IncomingFact>; backordered: ReadonlySet<number>;
    /** Lines split over locations: their parts, each reserved where it is (the sourcing engine's `split`). */
    split?: ReadonlyMap<number, readonly { locationId: string; quantity: number }[]>;
    explanation?: StoredExplanation | null; sites?: SharedFacts['sites'];
  },
  outcome: ReviewOutcome, path: { status: OrderStatus; timeline: TimelineStep[] },
  ctx: Pick<CommandContext, 'actorId' | 'actorName' | 'requestId'>, clock: Clock, item: number,
): CapturePlan {
  const { input, email, phone, deliveryMethod } = p;
  const { channel, lines, pickup } = r;
  const { assigned, candidates, presale, backordered } = placement;
  const { status, timeline } = path;
  const now = clock.now();
  const orderId = clock.newId();
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const customer = request.customer ?? { id: clock.newId(), name: input.customer.name, email, phone };
  const locationCode = new Map<string, string>(candidates.locationId.map((id, i) => [id, candidates.code[i] as string]));
  // The order discount is shared over the lines (what each is worth after its own discount), so that a refund of
  // some units is exact to the cent; what the lines cannot take stays with the order.
  const discount = shareOrderDiscount(input.lines.map((l) => ({ ...l, discountMinor: l.discountMinor ?? 0 })), input.orderDiscountMinor ?? 0);
  const row = (l: ResolvedLine, lineNo: number, locationId: string | null, quantity: number, money: { discountMinor: number; orderDiscountMinor: number; taxMinor: number },
    splitFromLineNo: number | null) => {
    const waits = backordered.has(l.index);
    return {
      id: clock.newId(), lineNo, sku: l.skuCode, skuId: l.skuId, locationId,
      location: locationId ? (locationCode.get(locationId) ?? presale.get(l.index)?.code ?? null) : null,
      quantity, allocated: waits ? 0 : quantity, shipped: 0, cancelled: 0, returned: 0,
      backordered: waits ? quantity : 0, unitPriceMinor: l.input.unitPriceMinor, ...money,
      totalMinor: l.input.unitPriceMinor * quantity - money.discountMinor - money.orderDiscountMinor + money.taxMinor, splitFromLineNo,
      /** Reserved from stock on hand here (not backordered, not promised from incoming supply). */
      reserveAt: waits || presale.has(l.index) ? null : locationId,
    };
  };
  // A line split over locations becomes sibling lines (same SKU and price), its units, discounts and tax divided
  // exactly (largest remainder): the first part keeps the request's line number, the others follow the last line.
  const parts: ReturnType<typeof row>[] = [];
  const lineRows = lines.map((l, i) => {
    const money = { discountMinor: l.input.discountMinor ?? 0, orderDiscountMinor: discount.shares[i] ?? 0, taxMinor: l.input.taxMinor ?? 0 };
    const split = placement.split?.get(i);
    if (!split || split.length < 2) {
      return row(l, i + 1, split?.[0]?.locationId ?? assigned.get(i) ?? presale.get(i)?.locationId ?? null, l.quantity, money, null);
    }
    const quantities = split.map((p) => p.quantity);
    const discounts = allocateMinor(money.discountMinor, quantities);
    const orderDiscounts = allocateMinor(money.orderDiscountMinor, quantities);
    const taxes = allocateMinor(money.taxMinor, quantities);
    const rows = split.map((p, k) => row(l, k === 0 ? i + 1 : lines.length + parts.length + k, p.locationId, p.quantity,
      { discountMinor: discounts[k] ?? 0, orderDiscountMinor: orderDiscounts[k] ?? 0, taxMinor: taxes[k] ?? 0 }, i + 1));
    parts.push(...rows.slice(1));
    return rows[0] as ReturnType<typeof row>;
  });
  lineRows.push(...parts);
  const holdRows = outcome.holds.map((h) => ({ id: clock.newId(), ...h }));
  const order: Order = {
    id: orderId, number: `${channel.order_number_prefix}${request.order_seq}`, channel: channel.code, externalRef: input.externalRef, status,
    customer: { id: customer.id, name: customer.name, email: customer.email, phone: customer.phone },
    currency: input.currency, totals: input.totals,
    payment: input.payment ? { method: input.payment.method, authorizedMinor: input.payment.authorizedMinor } : null,
    deliveryMethod, pickupLocation: pickup?.code ?? null,
    shippingAddress: input.shippingAddress ?? null, billingAddress: input.billingAddress ?? null,
    buyerRemark: input.buyerRemark ?? null, purchaseOrderNumber: input.purchaseOrderNumber ?? null, enteredBy: input.enteredBy ?? null,
    lines: lineRows.map(({ locationId: _locationId, reserveAt: _reserveAt, ...line }) => line),
    holds: holdRows.map((h) => ({ id: h.id, reasonCode: h.reasonCode, rule: h.rule, note: null, status: 'open' as const, createdAt: now.toISOString(), decidedAt: null, decidedBy: null })),
    flags: outcome.flags.map((f) => f.reasonCode).sort(),
    trackingToken: clock.token(), mergedInto: null, splitFrom: null, promisedDeliveryDate: null,
    placedAt: placedAt.toISOString(), updatedAt: now.toISOString(), version: 1,
    sourcing: placement.explanation?.summary ?? null,
  };
  const searchText = orderSearchText({ customer: { ...input.customer, email, phone }, shippingAddress: input.shippingAddress, externalRef: input.externalRef });
  const onHand = lineRows.filter((l) => l.reserveAt !== null);
  const write: CaptureWrite = {
    order: {
      item, principal_id: p.claim?.principalId ?? null, key: p.claim?.key ?? null, method: p.claim?.method ?? null,
      path: p.claim?.path ?? null, request_hash: p.claim?.requestHash ?? null, answer_status: p.claim?.createdStatus ?? null, answer: p.claim ? order : null,
      order_id: orderId, number: order.number, channel_id: channel.id, channel_code: channel.code, external_ref: input.externalRef,
      customer_id: customer.id, new_customer: request.customer === null, email, phone, customer_name: input.customer.name,
      customer_type: input.customer.type ?? 'person', company: input.customer.company ?? null, vat_id: input.customer.vatId ?? null,
      status, currency: input.currency, subtotal_minor: input.totals.subtotalMinor, discount_minor: input.totals.discountMinor,
      shipping_minor: input.totals.shippingMinor, tax_minor: input.totals.taxMinor, total_minor: input.totals.totalMinor,
      shipping_tax_minor: input.shippingTaxMinor ?? 0, unallocated_discount_minor: discount.unallocatedMinor,
      payment_method: input.payment?.method ?? null, payment_authorized_minor: input.payment?.authorizedMinor ?? 0,
      delivery_method: deliveryMethod, pickup_location_id: pickup?.id ?? null,
      shipping_address: input.shippingAddress ?? null, billing_address: input.billingAddress ?? null,
      buyer_remark: input.buyerRemark ?? null, purchase_order_number: input.purchaseOrderNumber ?? null, entered_by: input.enteredBy ?? null,
      search_text: searchText, tracking_token: order.trackingToken, items_signature: p.signature, placed_at: order.placedAt, now: order.updatedAt,
      actor_id: ctx.actorId, actor_name: ctx.actorName, request_id: ctx.requestId,
      audit_details: { channel: channel.code, externalRef: input.externalRef },
    },
    lines: lineRows.map((l) => ({
      id: l.id, line_no: l.lineNo, sku_id: l.skuId, location_id: l.locationId, quantity: l.quantity, allocated: l.allocated,
      backordered: l.backordered, unit_price_minor: l.unitPriceMinor, discount_minor: l.discountMinor,
      order_discount_minor: l.orderDiscountMinor, tax_minor: l.taxMinor, ...(l.splitFromLineNo !== null ? { split_from_line_no: l.splitFromLineNo } : {}),
    })),
    holds: holdRows.map((h) => ({ id: h.id, reason_code: h.reasonCode, rule_id: h.ruleId })),
    flags: outcome.flags.map((f) => ({ reason_code: f.reasonCode, rule_id: f.ruleId })),
    timeline,
    reserve: onHand.map((l) => ({
      lineId: l.id, reservationId: clock.newId(), skuId: l.skuId, locationId: l.reserveAt as string, quantity: l.quantity, channelId: channel.id,
    })),
    sourcing: {
      orderId, trigger: 'capture', reason: null, explanation: placement.explanation ?? null,
      // A parcel counts against its location's daily capacity (only locations that have one are counted).
      loads: [...new Set(onHand.map((l) => l.reserveAt as string))].flatMap((locationId) => {
        const site = placement.sites?.find((f) => f.id === locationId);
        return site && site.capacity !== null ? [{ locationId, day: site.day }] : [];
      }),
    },
  };
  const allocated = new Set(shared.allocatedSkus);
  return {
    order, write, channelId: channel.id,
    presale: [...presale].map(([index, supply]) => ({
      lineId: (lineRows[index] as { id: string }).id, skuId: supply.skuId, locationId: supply.locationId,
      quantity: (lines[index] as ResolvedLine).quantity, promiseBy: addDays(now, channel.presale_days),
    })),
    allocationCheck: onHand.some((l) => allocated.has(l.skuId)),
  };
}

/**
 * Whether a line no location covers might still be taken: only the transactional path promises incoming supply and
 * backorders. Otherwise the line is simply short, and a batch refuses the order itself with the transactional path's
 * answer (a flash sale's sold-out answers, ADR 0002). A channel allocation never makes a short line fit: a channel's
 * ATP is at most the free stock.
 */
export function mayCoverOtherwise(r: Resolved): boolean {
  return r.channel.presale_days > 0 || r.channel.allow_backorder;
}

// ---- the steps together -------------------------------------------------------------------------------------------

/** The free stock a capture (or a batch of them) is decided on: `rows` (default: what the facts read) by location. */
export function captureStock(shared: Pick<SharedFacts, 'stock' | 'sites'>, rows: Iterable<StockFact> = shared.stock): StockIndex {
  return new StockIndex(rows, sitesFrom(shared.sites));
}

/**
 * Decides one capture from its facts. `stock` is what is free now (a batch passes what its earlier orders left, and
 * the loads they gave each location).
 * With `deferUncovered` (a batch), an order with a line no location covers is left to the transactional path when
 * that line might still be taken another way (presale, backorder); otherwise it is refused here
 * with the same 409 and shortfall, on the stock the batch sees.
 * Throws the client's errors (unknown channel or SKU, wrong currency, not enough stock, …).
 */
export function planCapture(
  p: PreparedCapture, request: RequestFacts, shared: SharedFacts, stock: StockIndex,
  ctx: Pick<CommandContext, 'actorId' | 'actorName' | 'requestId'>, opts: { deferUncovered: boolean; item?: number; clock: Clock },
): Planned {
  // An external reference the channel sent before answers with that order, once the channel is known.
  if (request.existing && shared.channels.some((c) => c.code === p.input.channel || c.id === p.input.channel.toLowerCase())) {
    return { kind: 'existing', orderId: request.existing };
  }
  const resolved = resolveCapture(p, shared);
  const { candidates, choice, destination } = chooseCaptureLocations(p, resolved, shared, stock, p.deliveryMethod);
  if (choice.uncovered.length > 0 && opts.deferUncovered && mayCoverOtherwise(resolved)) return { kind: 'uncovered' };
  const { presale, backordered } = coverUncovered(resolved, choice.uncovered, shared.incoming, candidates, p.deliveryMethod);
  const outcome = review(shared.rules, reviewFactsOf(p, resolved, request));
  const path = captureStatusPath({ holds: outcome.holds, backorderedLines: backordered.size, channelCode: resolved.channel.code, externalRef: p.input.externalRef });
  const plan = buildCapture(p, resolved, request, shared, {
    assigned: choice.assigned, split: choice.split, candidates, presale, backordered, explanation: choice.explanation, sites: shared.sites,
  }, outcome, path, ctx, opts.clock, opts.item ?? 0);
  withPromise(plan, promiseOf(p, resolved, shared, { assigned: choice.assigned, split: choice.split, presale, backordered, destination }, plan.order.placedAt));
  return { kind: 'plan', plan };
}

// ---- 7. the promised delivery date (carriers and rates, issue #19 part 5) -----------------------------------------

/**
 * The delivery date promised at capture, from the facts already read (no round trip): per location a line ships
 * from, the parcel its lines make (catalogue weights and dimensions), the location's region and the order's
 * destination priced against the cached rate book (`promiseDelivery` in the fulfilment module says how). A pickup
 * order is promised nothing here (it is collected, not delivered); nor is an order read without promise facts.
 */
export function promiseOf(
  p: PreparedCapture, r: Resolved, shared: Pick<SharedFacts, 'promise'>,
  placement: {
    assigned: ReadonlyMap<number, string>; presale: ReadonlyMap<number, IncomingFact>; backordered: ReadonlySet<number>;
    /** Lines split over locations: each part ships from its own. */
    split?: ReadonlyMap<number, readonly { locationId: string; quantity: number }[]>;
    /** Where the parcel goes, as sourcing located the shipping address (null: it matched no region). */
    destination: Place | null;
  }, placedAt: string,
): string | null {
  const facts = shared.promise;
  if (!facts || p.deliveryMethod === 'pickup') return null;
  const placedOn = placedAt.slice(0, 10);
  const byLocation = new Map<string, { readyOn: string; lines: { skuId: string; quantity: number }[] }>();
  for (const line of r.lines) {
    const promised = placement.presale.get(line.index);
    const locationId = placement.assigned.get(line.index) ?? promised?.locationId;
    const parts = placement.split?.get(line.index) ?? (locationId ? [{ locationId, quantity: line.quantity }] : []);
    for (const part of parts) {
      const group = byLocation.get(part.locationId) ?? { readyOn: placedOn, lines: [] };
      // A line promised from incoming supply is ready when the supply is expected.
      const readyOn = promised ? addDays(new Date(placedAt), promised.inDays) : placedOn;
      if (readyOn > group.readyOn) group.readyOn = readyOn;
      group.lines.push({ skuId: line.skuId, quantity: part.quantity });
      byLocation.set(part.locationId, group);
    }
  }
  const skus = new Map(facts.parcels.map((k) => [k.id, k]));
  const address = p.input.shippingAddress;
  return promiseDelivery(facts.book, {
    placedOn, handlingDays: r.channel.handling_days ?? 1, defaultTransitDays: r.channel.default_transit_days ?? null,
    // The destination's province as sourcing's region table found it (广东省, Guangdong, CN-GD), else as the address codes it.
    currency: r.channel.currency, destinationRegion: placement.destination?.area ?? (address ? regionOf(address) : null), waiting: placement.backordered.size > 0,
    shipments: [...byLocation].map(([locationId, group]) => {
      const location = facts.shipFrom.find((l) => l.id === locationId);
      return {
        origin: location?.code ?? locationId, originRegion: location ? (placeOf({ ...location, city: null, lat: null, lon: null })?.area ?? regionOf(location)) : null, readyOn: group.readyOn,
        parcel: parcelOf(group.lines.map((l) => {
          const sku = skus.get(l.skuId);
          return { quantity: l.quantity, weightGrams: sku?.weightGrams ?? null, lengthMm: sku?.lengthMm ?? null, widthMm: sku?.widthMm ?? null, heightMm: sku?.heightMm ?? null };
        })),
      };
    }),
  }).date;
}

/** Sets the promise on the answer (which is also the stored Idempotency-Key answer) and on the order row. */
function withPromise(plan: CapturePlan, date: string | null): void {
  plan.order.promisedDeliveryDate = date;
  plan.write.order.promised_delivery_date = date;
}
