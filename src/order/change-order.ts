/**
 * Order edits while nothing has gone to the warehouse: the addresses and remark, and the lines (quantity up or down,
 * a new line, a line cancelled). Also the mechanics split and merge share: locking an order with its lines, recomputing
 * totals from the lines, moving units' reservations, and settling the status afterwards.
 *
 * The invariant every change keeps, in its one transaction: for each line, the open reservations referencing
 * ('order_line', line id) add up to line.allocated; and the order's totals satisfy the table's CHECK.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.js';
import type { CommandContext, CommandOutcome } from '../http/command.js';
import { reserveStock } from '../inventory/reserve-stock.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { itemsSignature } from './capture-order.js';
import { moveLineStock, openUnits } from './lock-order.js';
import { chooseLocations, type Candidate } from './choose-locations.js';
import type { Address, CaptureLine, Order, Totals } from './order.js';
import { addTimeline, loadOrder, transitionOrder, type TimelineEntry } from './order.repository.js';
import { isEditable, type OrderStatus } from './order-status.js';

/** A line as the edits see it: its unit counters (as in order_lines) and its money. */
export interface LineState {
  id: string; orderId: string; lineNo: number; skuId: string; sku: string; locationId: string | null;
  quantity: number; allocated: number; shipped: number; cancelled: number; returned: number; backordered: number;
  unitPriceMinor: number; discountMinor: number; taxMinor: number;
}

/** An order, locked, with what its edits need from its channel (presale window, backorders). */
export interface OrderState {
  id: string; number: string; status: OrderStatus; version: number; channelId: string; presaleDays: number;
  allowBackorder: boolean; customerId: string; currency: string; deliveryMethod: 'ship' | 'pickup';
  pickupLocationId: string | null; externalRef: string; placedAt: Date; totals: Totals;
  shippingAddress: Address | null; billingAddress: Address | null; buyerRemark: string | null;
  lines: LineState[];
}

// ---- pure rules -------------------------------------------------------------------------------------------------

/**
 * Which units leave a line when `n` of its open units go: first the ones not yet reserved nor backordered, then the
 * backordered ones, the reserved ones last — what is reserved can ship soonest, so it is what the customer keeps.
 */
export function takeUnits(l: LineState, n: number): { backordered: number; allocated: number } {
  const unassigned = openUnits(l) - l.allocated - l.backordered;
  let left = Math.max(0, n - unassigned);
  const backordered = Math.min(left, l.backordered);
  left -= backordered;
  return { backordered, allocated: Math.min(left, l.allocated) };
}

/**
 * A line's discount and tax belong to its units that are not cancelled; when their count goes from `from` to `to`,
 * the amounts follow in proportion (rounded half up, as largest remainder does for two parts).
 */
export const scaleMinor = (amountMinor: number, from: number, to: number): number =>
  from === 0 ? 0 : Math.round((amountMinor * to) / from);

/** The order-level charges the lines do not explain: the order discount, shipping and the tax on shipping. */
export interface Charges {
  orderDiscountMinor: number;
  shippingMinor: number;
  shippingTaxMinor: number;
}

export function chargesOf(order: Pick<OrderState, 'totals' | 'lines'>): Charges {
  const sum = (f: (l: LineState) => number) => order.lines.reduce((a, l) => a + f(l), 0);
  return {
    orderDiscountMinor: order.totals.discountMinor - sum((l) => l.discountMinor),
    shippingMinor: order.totals.shippingMinor,
    shippingTaxMinor: order.totals.taxMinor - sum((l) => l.taxMinor),
  };
}

/**
 * Totals from the lines plus the order-level charges, so that total = subtotal - discount + shipping + tax holds.
 * An order discount larger than what is left of the order is cut to it (the total never goes below 0);
 * `clampedMinor` says by how much.
 */
export function totalsOf(lines: readonly LineState[], charges: Charges): { totals: Totals; clampedMinor: number } {
  const subtotalMinor = lines.reduce((a, l) => a + l.unitPriceMinor * (l.quantity - l.cancelled), 0);
  const lineDiscount = lines.reduce((a, l) => a + l.discountMinor, 0);
  const taxMinor = lines.reduce((a, l) => a + l.taxMinor, 0) + charges.shippingTaxMinor;
  const beforeOrderDiscount = subtotalMinor - lineDiscount + charges.shippingMinor + taxMinor;
  const orderDiscount = Math.max(0, Math.min(charges.orderDiscountMinor, beforeOrderDiscount));
  const discountMinor = lineDiscount + orderDiscount;
  return {
    totals: { subtotalMinor, discountMinor, shippingMinor: charges.shippingMinor, taxMinor, totalMinor: beforeOrderDiscount - orderDiscount },
    clampedMinor: charges.orderDiscountMinor - orderDiscount,
  };
}

export const fullyAllocated = (lines: readonly LineState[]) => lines.every((l) => l.allocated === openUnits(l));

/**
 * Where an edited order's status must go, or null to stay: every unit cancelled → cancelled; a confirmed order whose
 * open units are now all reserved → allocated; an allocated order with units waiting for stock → back to confirmed.
 * Received and held orders keep their status: review decides what comes next for them.
 */
export function settledStatus(status: OrderStatus, lines: readonly LineState[]): OrderStatus | null {
  if (lines.every((l) => openUnits(l) === 0 && l.shipped === 0)) return 'cancelled';
  if (status === 'confirmed' && fullyAllocated(lines)) return 'allocated';
  if (status === 'allocated' && !fullyAllocated(lines)) return 'confirmed';
  return null;
}

export const signatureOf = (lines: readonly LineState[]): string =>
  itemsSignature(lines.filter((l) => l.quantity > l.cancelled).map((l) => ({ sku: l.sku, quantity: l.quantity - l.cancelled })));

/** JSON with sorted keys: two addresses are the same when this is. */
export const canonical = (value: unknown): string => JSON.stringify(value ?? null, (_key, v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v);

export const lineLabel = (l: Pick<LineState, 'lineNo' | 'sku'>): string => `line ${l.lineNo} (${l.sku})`;

// ---- reading and writing ------------------------------------------------------------------------------------------

/**
 * Locks orders (in id order, the lock order of every multi-order change) and their lines, before any reservation or
 * stock row: the same order as capture, so an edit and a capture cannot deadlock.
 */
export async function lockOrders(trx: Trx, ids: readonly string[]): Promise<OrderState[]> {
  const orders = await sql<Omit<OrderState, 'lines' | 'totals'> & Totals>`
    SELECT o.id, o.number, o.status, o.version, o.channel_id AS "channelId", ch.presale_days AS "presaleDays",
      ch.allow_backorder AS "allowBackorder", o.customer_id AS "customerId", o.currency, o.delivery_method AS "deliveryMethod",
      o.pickup_location_id AS "pickupLocationId", o.external_ref AS "externalRef", o.placed_at AS "placedAt",
      o.subtotal_minor AS "subtotalMinor", o.discount_minor AS "discountMinor", o.shipping_minor AS "shippingMinor",
      o.tax_minor AS "taxMinor", o.total_minor AS "totalMinor", o.shipping_address AS "shippingAddress",
      o.billing_address AS "billingAddress", o.buyer_remark AS "buyerRemark"
    FROM orders o JOIN channels ch ON ch.id = o.channel_id
    WHERE o.id = ANY(${ids}::uuid[]) ORDER BY o.id FOR UPDATE OF o
  `.execute(trx);
  const lines = await sql<LineState>`
    SELECT l.id, l.order_id AS "orderId", l.line_no AS "lineNo", l.sku_id AS "skuId", k.code AS sku, l.location_id AS "locationId",
      l.quantity, l.allocated, l.shipped, l.cancelled, l.returned, l.backordered, l.unit_price_minor AS "unitPriceMinor",
      l.discount_minor AS "discountMinor", l.tax_minor AS "taxMinor"
    FROM order_lines l JOIN skus k ON k.id = l.sku_id
    WHERE l.order_id = ANY(${ids}::uuid[]) ORDER BY l.order_id, l.line_no FOR UPDATE OF l
  `.execute(trx);
  return orders.rows.map(({ subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor, ...o }) => ({
    ...o,
    totals: { subtotalMinor, discountMinor, shippingMinor, taxMinor, totalMinor },
    lines: lines.rows.filter((l) => l.orderId === o.id),
  }));
}

export function assertEditable(order: Pick<OrderState, 'number' | 'status'>): void {
  if (!isEditable(order.status)) {
    throw new AppError('invalid_state', `order ${order.number} is ${order.status}; it can only be changed while received, on hold, confirmed or allocated`, {
      currentStatus: order.status, allowed: ['received', 'on_hold', 'confirmed', 'allocated'],
    });
  }
}

/** The order, locked, if it exists, is at the version the caller saw (If-Match) and may still be changed. */
export async function lockEditableOrder(trx: Trx, id: string, expectedVersion?: number): Promise<OrderState> {
  const [order] = await lockOrders(trx, [id]);
  if (!order) throw notFound('order', id);
  if (expectedVersion !== undefined && expectedVersion !== order.version) {
    throw new AppError('version_conflict', `the order is at version ${order.version}, not ${expectedVersion}; reload it and apply your change again`, {
      currentVersion: order.version,
    });
  }
  assertEditable(order);
  return order;
}

/** A line of the order that still has open units and has shipped none (units at the carrier cannot be edited). */
export function editableLine(order: OrderState, lineId: string): LineState {
  const line = order.lines.find((l) => l.id === lineId);
  if (!line) throw notFound('order line', lineId);
  if (line.shipped > 0) throw new AppError('invalid_state', `${lineLabel(line)} has ${line.shipped} shipped unit(s); shipped lines cannot be edited`);
  if (openUnits(line) === 0) throw new AppError('invalid_state', `${lineLabel(line)} is cancelled; add a new line instead`);
  return line;
}

/** Inserts new lines and updates changed ones, in one statement. */
export async function writeLines(trx: Trx, lines: readonly LineState[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`
    INSERT INTO order_lines (id, order_id, line_no, sku_id, location_id, quantity, allocated, shipped, cancelled, returned,
      backordered, unit_price_minor, discount_minor, tax_minor)
    SELECT * FROM jsonb_to_recordset(${JSON.stringify(lines.map((l) => ({
      id: l.id, order_id: l.orderId, line_no: l.lineNo, sku_id: l.skuId, location_id: l.locationId, quantity: l.quantity,
      allocated: l.allocated, shipped: l.shipped, cancelled: l.cancelled, returned: l.returned, backordered: l.backordered,
      unit_price_minor: l.unitPriceMinor, discount_minor: l.discountMinor, tax_minor: l.taxMinor,
    })))}::jsonb) AS x(id uuid, order_id uuid, line_no int, sku_id uuid, location_id uuid, quantity int, allocated int,
      shipped int, cancelled int, returned int, backordered int, unit_price_minor bigint, discount_minor bigint, tax_minor bigint)
    ON CONFLICT (id) DO UPDATE SET location_id = excluded.location_id, quantity = excluded.quantity,
      allocated = excluded.allocated, cancelled = excluded.cancelled, backordered = excluded.backordered,
      discount_minor = excluded.discount_minor, tax_minor = excluded.tax_minor
  `.execute(trx);
}

/** Writes an order's totals and items signature and bumps its version; returns the new version. */
export async function writeOrderTotals(trx: Trx, orderId: string, totals: Totals, lines: readonly LineState[]): Promise<number> {
  const row = await trx.updateTable('orders').set({
    subtotal_minor: totals.subtotalMinor, discount_minor: totals.discountMinor, shipping_minor: totals.shippingMinor,
    tax_minor: totals.taxMinor, total_minor: totals.totalMinor, items_signature: signatureOf(lines),
    version: sql`version + 1`, updated_at: sql`now()`,
  }).where('id', '=', orderId).returning('version').executeTakeFirstOrThrow();
  return row.version;
}

export async function publishOrderEvent(trx: Trx, type: string, orderId: string, payload: Record<string, unknown>): Promise<void> {
  await trx.insertInto('outbox_events')
    .values({ type, aggregate_type: 'order', aggregate_id: orderId, payload: JSON.stringify({ orderId, ...payload }) })
    .execute();
}

/** Gives back `units` of a line's reserved stock; the ledger rows point at the order that changed. */
export const releaseLineUnits = (trx: Trx, orderId: string, lineId: string, units: number, actor: string): Promise<void> =>
  moveLineStock(trx, lineId, 'release', units, { actor, ref: { type: 'order', id: orderId } });

/** Reserves units for lines at their locations (all or nothing, 409 insufficient_stock), under the order's channel. */
export async function reserveLineUnits(trx: Trx, order: Pick<OrderState, 'channelId' | 'presaleDays'>, lines: readonly { lineId: string; skuId: string; locationId: string; quantity: number }[], actor: string): Promise<void> {
  if (lines.length === 0) return;
  await reserveStock(trx, {
    lines: lines.map((l) => ({ skuId: l.skuId, locationId: l.locationId, quantity: l.quantity, referenceType: 'order_line', referenceId: l.lineId })),
    channel: { id: order.channelId, presaleDays: order.presaleDays }, actor, today: new Date().toISOString().slice(0, 10),
  });
}

export async function settleStatus(trx: Trx, order: Pick<OrderState, 'id' | 'status'>, lines: readonly LineState[], actor: string): Promise<void> {
  const to = settledStatus(order.status, lines);
  if (!to) return;
  const message = to === 'cancelled' ? 'Every unit cancelled' : to === 'allocated' ? 'Every line reserved' : 'Some units wait for stock';
  await transitionOrder(trx, order.id, to, actor, { type: 'status_changed', message });
}

/** 2495 EUR → "24.95 EUR", 500 JPY → "500 JPY": for people reading the timeline. */
export function money(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
}

/** The common tail of a line edit: lines, totals, timeline, event, status — then the order as it now is. */
async function finishLineEdit(trx: Trx, order: OrderState, changed: readonly LineState[], entry: TimelineEntry, ctx: CommandContext, status: 200 | 201): Promise<CommandOutcome<Order>> {
  const byId = new Map(changed.map((l) => [l.id, l]));
  const lines = [...order.lines.map((l) => byId.get(l.id) ?? l), ...changed.filter((l) => !order.lines.some((o) => o.id === l.id))];
  const { totals, clampedMinor } = totalsOf(lines, chargesOf(order));
  await writeLines(trx, changed);
  const version = await writeOrderTotals(trx, order.id, totals, lines);
  const totalsEntry: TimelineEntry = {
    type: 'totals_changed',
    message: `Total ${money(order.totals.totalMinor, order.currency)} → ${money(totals.totalMinor, order.currency)}`
      + (clampedMinor > 0 ? ` (order discount cut by ${money(clampedMinor, order.currency)}: it was more than the order)` : ''),
    details: { from: order.totals, to: totals, clampedDiscountMinor: clampedMinor },
  };
  await addTimeline(trx, order.id, ctx.actorName, totals.totalMinor === order.totals.totalMinor ? [entry] : [entry, totalsEntry]);
  await publishOrderEvent(trx, 'order.changed', order.id, { version, change: entry.type, ...entry.details, totals });
  await settleStatus(trx, order, lines, ctx.actorName);
  return { status, body: await loadOrder(trx, order.id), audit: { action: `order.${entry.type}`, entityType: 'order', entityId: order.id, details: entry.details } };
}

// ---- use cases ----------------------------------------------------------------------------------------------------

export interface OrderDetailsPatch {
  shippingAddress?: Address;
  billingAddress?: Address | null;
  buyerRemark?: string | null;
}

const describeAddress = (a: Address | null) =>
  a ? [a.name, a.company, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.state, a.country].filter(Boolean).join(', ') : '(none)';
const fieldLabels = { shippingAddress: 'Shipping address', billingAddress: 'Billing address', buyerRemark: 'Buyer remark' } as const;

/** Changes the addresses or the buyer's remark; search_text follows the shipping address. */
export async function changeOrderDetails(trx: Trx, orderId: string, patch: OrderDetailsPatch, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const entries: TimelineEntry[] = [];
  for (const field of ['shippingAddress', 'billingAddress', 'buyerRemark'] as const) {
    if (patch[field] === undefined) continue;
    const from = order[field] ?? null;
    const to = patch[field] ?? null;
    if (canonical(from) === canonical(to)) continue;
    const show = (v: typeof from) => (typeof v === 'string' ? JSON.stringify(v) : v === null && field === 'buyerRemark' ? '(none)' : describeAddress(v));
    entries.push({ type: 'details_changed', message: `${fieldLabels[field]} changed: ${show(from)} → ${show(to)}`, details: { field, from, to } });
  }
  // Nothing differs: nothing to write, and no version to burn.
  if (entries.length === 0) return { status: 200, body: await loadOrder(trx, orderId), audit: null };

  const shipping = patch.shippingAddress ?? order.shippingAddress;
  const billing = patch.billingAddress === undefined ? order.billingAddress : patch.billingAddress;
  const remark = patch.buyerRemark === undefined ? order.buyerRemark : patch.buyerRemark;
  // search_text is what capture indexes for text search (customer, shipping name and address, external reference).
  const updated = await sql<{ version: number }>`
    UPDATE orders o SET
      shipping_address = ${shipping ? JSON.stringify(shipping) : null}::jsonb,
      billing_address = ${billing ? JSON.stringify(billing) : null}::jsonb,
      buyer_remark = ${remark},
      search_text = lower(concat_ws(' ', nullif(c.name, ''), c.email, c.phone, nullif(c.company, ''),
        ${[shipping?.name, shipping?.line1, shipping?.city, shipping?.postalCode].filter(Boolean).join(' ') || null}::text, o.external_ref)),
      version = o.version + 1, updated_at = now()
    FROM customers c WHERE c.id = o.customer_id AND o.id = ${orderId}
    RETURNING o.version
  `.execute(trx);
  const version = updated.rows[0]?.version;
  await addTimeline(trx, orderId, ctx.actorName, entries);
  await publishOrderEvent(trx, 'order.changed', orderId, { version, change: 'details_changed', fields: entries.map((e) => e.details?.field) });
  return { status: 200, body: await loadOrder(trx, orderId), audit: { action: 'order.details_changed', entityType: 'order', entityId: orderId, details: { fields: entries.map((e) => e.details?.field) } } };
}

/**
 * Sets a line's quantity. More: the extra units are reserved at the line's location (409 if it lacks them), or
 * backordered when the line has no location yet (it was backordered at capture). Fewer: waiting units go first,
 * then reserved ones, whose reservation is released; never below shipped + cancelled.
 */
export async function changeLineQuantity(trx: Trx, orderId: string, lineId: string, quantity: number, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const line = editableLine(order, lineId);
  const floor = line.shipped + line.cancelled;
  if (quantity < floor) {
    throw new AppError('validation_failed', `${lineLabel(line)} has ${floor} shipped or cancelled unit(s); its quantity cannot go below ${floor}`, {
      errors: [{ path: '/body/quantity', message: `must be >= ${floor}` }],
    });
  }
  if (quantity === line.quantity) return { status: 200, body: await loadOrder(trx, orderId), audit: null };
  const next = { ...line, quantity };
  if (quantity > line.quantity) {
    const extra = quantity - line.quantity;
    if (line.locationId) {
      await reserveLineUnits(trx, order, [{ lineId: line.id, skuId: line.skuId, locationId: line.locationId, quantity: extra }], ctx.actorName);
      next.allocated += extra;
    } else if (order.allowBackorder) next.backordered += extra;
    else throw new AppError('insufficient_stock', `${lineLabel(line)} is not reserved anywhere and the channel does not take backorders`);
  } else {
    const taken = takeUnits(line, line.quantity - quantity);
    await releaseLineUnits(trx, order.id, line.id, taken.allocated, ctx.actorName);
    next.allocated -= taken.allocated;
    next.backordered -= taken.backordered;
  }
  const active = (l: LineState) => l.quantity - l.cancelled;
  next.discountMinor = scaleMinor(line.discountMinor, active(line), active(next));
  next.taxMinor = scaleMinor(line.taxMinor, active(line), active(next));
  return finishLineEdit(trx, order, [next], {
    type: 'line_changed', message: `${lineLabel(line)}: quantity ${line.quantity} → ${quantity}`,
    details: { lineId, lineNo: line.lineNo, sku: line.sku, quantity: { from: line.quantity, to: quantity }, allocated: { from: line.allocated, to: next.allocated } },
  }, ctx, 200);
}

/** Adds a line, reserved at once where chooseLocations finds its units — preferring the order's own locations. */
export async function addLine(trx: Trx, orderId: string, input: CaptureLine, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  if ((input.discountMinor ?? 0) > input.unitPriceMinor * input.quantity) {
    throw new AppError('validation_failed', `discount ${input.discountMinor} is more than the line's ${input.unitPriceMinor * input.quantity}`, {
      errors: [{ path: '/body/discountMinor', message: 'more than the line' }],
    });
  }
  const sku = await trx.selectFrom('skus').select(['id', 'code', 'active'])
    .where((eb) => eb.or([eb('code', '=', input.sku), eb(sql`id::text`, '=', input.sku)])).executeTakeFirst();
  if (!sku) throw new AppError('not_found', `unknown SKU "${input.sku}"`, { missing: [{ kind: 'sku', ref: input.sku }] });
  if (!sku.active) throw new AppError('validation_failed', `SKU ${sku.code} is not active`, { errors: [{ path: '/body/sku', message: 'inactive SKU' }] });

  const stock = await sql<{ locationId: string; code: string; priority: number; canShip: boolean; canPickup: boolean; free: number }>`
    SELECT s.location_id AS "locationId", l.code, l.priority, l.can_ship AS "canShip", l.can_pickup AS "canPickup",
      s.on_hand - s.reserved - s.quarantined - s.safety_stock AS free
    FROM stock_levels s JOIN locations l ON l.id = s.location_id AND l.active
    WHERE s.sku_id = ${sku.id} AND s.on_hand - s.reserved - s.quarantined - s.safety_stock > 0
  `.execute(trx);
  const candidates: Candidate[] = stock.rows.map((s) => ({ ...s, free: new Map([[sku.id, s.free]]) }));
  const need = [{ index: 0, skuId: sku.id, quantity: input.quantity }];
  const delivery = { method: order.deliveryMethod, pickupLocationId: order.pickupLocationId };
  // One shipment is better than two: try the locations the order already ships from before all the others.
  const own = new Set(order.lines.filter((l) => l.allocated > 0).map((l) => l.locationId));
  const locationId = chooseLocations(need, candidates.filter((c) => own.has(c.locationId)), delivery).assigned.get(0)
    ?? chooseLocations(need, candidates, delivery).assigned.get(0);
  if (!locationId) {
    const available = Math.max(0, ...stock.rows.map((s) => s.free));
    throw new AppError('insufficient_stock', `not enough stock of ${sku.code}: ${input.quantity} requested, ${available} available in one location; nothing was added`, {
      lines: [{ index: 0, sku: sku.code, skuId: sku.id, requested: input.quantity, available, shortBy: input.quantity - available }],
    });
  }
  const line: LineState = {
    id: newId(), orderId, lineNo: Math.max(0, ...order.lines.map((l) => l.lineNo)) + 1, skuId: sku.id, sku: sku.code, locationId,
    quantity: input.quantity, allocated: input.quantity, shipped: 0, cancelled: 0, returned: 0, backordered: 0,
    unitPriceMinor: input.unitPriceMinor, discountMinor: input.discountMinor ?? 0, taxMinor: input.taxMinor ?? 0,
  };
  await reserveLineUnits(trx, order, [{ lineId: line.id, skuId: sku.id, locationId, quantity: input.quantity }], ctx.actorName);
  return finishLineEdit(trx, order, [line], {
    type: 'line_added', message: `${lineLabel(line)} added: ${input.quantity} × ${money(input.unitPriceMinor, order.currency)}`,
    details: { lineId: line.id, lineNo: line.lineNo, sku: sku.code, quantity: input.quantity, unitPriceMinor: input.unitPriceMinor },
  }, ctx, 201);
}

/** Cancels a line's open units and releases their reservation; the line stays (cancelled) so its history is kept. */
export async function cancelLine(trx: Trx, orderId: string, lineId: string, expectedVersion: number | undefined, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const order = await lockEditableOrder(trx, orderId, expectedVersion);
  const line = editableLine(order, lineId);
  const units = openUnits(line);
  await releaseLineUnits(trx, order.id, line.id, line.allocated, ctx.actorName);
  const next: LineState = { ...line, cancelled: line.cancelled + units, allocated: 0, backordered: 0, discountMinor: 0, taxMinor: 0 };
  return finishLineEdit(trx, order, [next], {
    type: 'line_cancelled', message: `${lineLabel(line)}: ${units} unit(s) cancelled (cancelled ${line.cancelled} → ${next.cancelled})`,
    details: { lineId, lineNo: line.lineNo, sku: line.sku, cancelled: { from: line.cancelled, to: next.cancelled }, released: line.allocated },
  }, ctx, 200);
}
