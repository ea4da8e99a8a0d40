/**
 * An order as its commands see it — locked, with its status, version, what its edits need from its channel, and its
 * lines' unit counters and money — and the pure rules over it. Every command after capture loads this one model
 * (`lockOrder`/`lockOrders` in order.repository.ts), decides with these functions, and writes lines back with
 * `writeLines`: one model of a locked order, one way to change a line's counters.
 *
 * A line's units are, at any time, each in exactly one state: unassigned (no location yet), backordered (waiting for
 * stock), allocated (reserved at `locationId`), shipped or cancelled. Its money — the line's own discount, its share
 * of the order discount, its tax — belongs to its units that are not cancelled.
 */
import { createHash } from 'node:crypto';
import { AppError, notFound, versionConflict } from '../shared/errors.js';
import { allocateMinor } from '../shared/money.js';
import type { Address, Totals } from './order.js';
import { editableStatuses, isEditable, transitions, type OrderStatus } from './order-status.js';

export interface LineState {
  id: string; orderId: string; lineNo: number; skuId: string; sku: string; locationId: string | null;
  quantity: number; allocated: number; shipped: number; cancelled: number; returned: number; backordered: number;
  unitPriceMinor: number;
  /** The line's own discount. */
  discountMinor: number;
  /** The line's share of the order-level discount (largest remainder at capture). */
  orderDiscountMinor: number;
  taxMinor: number;
  /** Set on a part of a line split over locations (capture, an added line): the line number it was split from. */
  splitFromLineNo?: number | null;
}

export interface OrderState {
  id: string; number: string; status: OrderStatus; version: number; channelId: string; presaleDays: number;
  allowBackorder: boolean; customerId: string; currency: string; deliveryMethod: 'ship' | 'pickup';
  pickupLocationId: string | null; externalRef: string; placedAt: Date; totals: Totals;
  /** Order money that belongs to no line: the tax on shipping, and order discount no line could take. */
  shippingTaxMinor: number; unallocatedDiscountMinor: number;
  shippingAddress: Address | null; billingAddress: Address | null; buyerRemark: string | null;
  lines: LineState[];
}

// ---- units ----------------------------------------------------------------------------------------------------------

/** Units of a line not yet shipped nor cancelled: what can still be cancelled, moved or shipped. */
export const openUnits = (l: Pick<LineState, 'quantity' | 'shipped' | 'cancelled'>): number => l.quantity - l.shipped - l.cancelled;

/** Units neither reserved nor backordered nor gone: a line that has no location yet. */
export const unassignedUnits = (l: LineState): number => openUnits(l) - l.allocated - l.backordered;

/** Units not cancelled: what the line's money belongs to. */
export const activeUnits = (l: Pick<LineState, 'quantity' | 'cancelled'>): number => l.quantity - l.cancelled;

/**
 * Which units leave a line when `n` of its open units go (cancelled, moved to another order, quantity lowered): first
 * the unassigned ones, then the backordered ones, the reserved ones last — what is reserved can ship soonest, so it
 * is what the customer keeps.
 */
export function takeUnits(l: LineState, n: number): { unassigned: number; backordered: number; allocated: number } {
  const unassigned = Math.min(n, Math.max(0, unassignedUnits(l)));
  const backordered = Math.min(n - unassigned, l.backordered);
  return { unassigned, backordered, allocated: Math.min(n - unassigned - backordered, l.allocated) };
}

/** Every open unit reserved (and some unit open): nothing waits for stock or a location. */
export const fullyAllocated = (lines: readonly LineState[]): boolean =>
  lines.every((l) => l.allocated === openUnits(l)) && lines.some((l) => openUnits(l) > 0);

/**
 * Where a changed order's status must go, or null to stay: no unit left open → cancelled, or shipped when some units
 * shipped (the rest of a partly shipped order was cancelled); a confirmed order whose open units are now all
 * reserved → allocated; an allocated order with units waiting for stock → back to confirmed. Received and held orders
 * keep their status: review decides what comes next for them.
 */
export function settledStatus(status: OrderStatus, lines: readonly LineState[]): OrderStatus | null {
  if (lines.every((l) => openUnits(l) === 0)) return lines.some((l) => l.shipped > 0) ? 'shipped' : 'cancelled';
  if (status === 'confirmed' && fullyAllocated(lines)) return 'allocated';
  if (status === 'allocated' && !fullyAllocated(lines)) return 'confirmed';
  return null;
}

// ---- money ----------------------------------------------------------------------------------------------------------

/** What a line is worth now: its active units at their price, less both discounts, plus tax. */
export const lineTotalMinor = (l: LineState): number =>
  l.unitPriceMinor * activeUnits(l) - l.discountMinor - l.orderDiscountMinor + l.taxMinor;

/**
 * A line's money when its active units go from `from` to `to`. Fewer: each amount keeps the share of the remaining
 * units by largest remainder (the same split as a line divided between two orders), so what leaves plus what stays is
 * exactly what was. More: the line's own discount and tax grow in proportion (a per-unit price rule); its share of the
 * order discount stays (an order discount is a fixed amount).
 */
export function scaleLineMoney(l: Pick<LineState, 'discountMinor' | 'orderDiscountMinor' | 'taxMinor' | 'unitPriceMinor'>, from: number, to: number):
{ discountMinor: number; orderDiscountMinor: number; taxMinor: number } {
  if (to >= from) {
    const grow = (amount: number) => (from === 0 ? 0 : Math.round((amount * to) / from));
    return { discountMinor: grow(l.discountMinor), orderDiscountMinor: l.orderDiscountMinor, taxMinor: grow(l.taxMinor) };
  }
  const keep = (amount: number) => allocateMinor(amount, [to, from - to])[0] ?? 0;
  const discountMinor = keep(l.discountMinor);
  // Both discounts rounded up could pass the remaining units' value by a cent; the order's share gives way.
  const orderDiscountMinor = Math.min(keep(l.orderDiscountMinor), l.unitPriceMinor * to - discountMinor);
  return { discountMinor, orderDiscountMinor, taxMinor: keep(l.taxMinor) };
}

/**
 * A line split over locations after capture (re-sourcing, a backorder fill), as capture splits one: the first part
 * keeps the line — its id, number, cancelled units and the units not being placed — with the first location's units;
 * each further part is a new sibling line numbered from `firstNewLineNo`, with its location's units reserved. `from`
 * says where the placed units come from: `allocated` (released elsewhere and placed again) or `backordered`. The
 * line's discount, order-discount share and tax belong to its active units, so they are divided over the parts in
 * proportion to them (largest remainder): the parts' money is exactly the line's. Every part says which line it was
 * split from — the first line of the family when the line was itself a part, so one request line stays one family.
 */
export function splitLine(
  line: LineState, from: 'allocated' | 'backordered', parts: readonly { locationId: string; quantity: number }[], firstNewLineNo: number, newId: () => string,
): LineState[] {
  const [first, ...rest] = parts;
  if (!first) return [line];
  const moved = rest.reduce((a, p) => a + p.quantity, 0);
  const weights = [activeUnits(line) - moved, ...rest.map((p) => p.quantity)];
  const discounts = allocateMinor(line.discountMinor, weights);
  const orderDiscounts = allocateMinor(line.orderDiscountMinor, weights);
  keepDiscountsWithinValue(discounts, orderDiscounts, weights.map((w) => w * line.unitPriceMinor));
  const taxes = allocateMinor(line.taxMinor, weights);
  const splitFromLineNo = line.splitFromLineNo ?? line.lineNo;
  const kept: LineState = {
    ...line, locationId: first.locationId, quantity: line.quantity - moved,
    allocated: from === 'allocated' ? line.allocated - moved : line.allocated + first.quantity,
    backordered: from === 'backordered' ? line.backordered - first.quantity - moved : line.backordered,
    discountMinor: discounts[0] ?? 0, orderDiscountMinor: orderDiscounts[0] ?? 0, taxMinor: taxes[0] ?? 0, splitFromLineNo,
  };
  return [kept, ...rest.map((p, k): LineState => ({
    id: newId(), orderId: line.orderId, lineNo: firstNewLineNo + k, skuId: line.skuId, sku: line.sku, locationId: p.locationId,
    quantity: p.quantity, allocated: p.quantity, shipped: 0, cancelled: 0, returned: 0, backordered: 0,
    unitPriceMinor: line.unitPriceMinor, discountMinor: discounts[k + 1] ?? 0, orderDiscountMinor: orderDiscounts[k + 1] ?? 0,
    taxMinor: taxes[k + 1] ?? 0, splitFromLineNo,
  }))];
}

/**
 * Both discounts divided on their own can each round a part up: a line discounted to nothing (its discount and its
 * share of the order discount together its whole value) would leave one part a cent over its value and another a
 * cent under. The cents over move to parts with room, the order's share first, so each part's discounts stay within
 * its value and each kind still adds up to the line's. `discounts` and `orderDiscounts` are changed in place.
 */
function keepDiscountsWithinValue(discounts: number[], orderDiscounts: number[], values: readonly number[]): void {
  const over = (k: number) => (discounts[k] ?? 0) + (orderDiscounts[k] ?? 0) - (values[k] ?? 0);
  for (let k = 0; k < values.length; k++) {
    for (let j = 0; j < values.length && over(k) > 0; j++) {
      while (over(k) > 0 && over(j) < 0) {
        const kind = (orderDiscounts[k] ?? 0) > 0 ? orderDiscounts : discounts;
        kind[k] = (kind[k] ?? 0) - 1;
        kind[j] = (kind[j] ?? 0) + 1;
      }
    }
  }
}

/**
 * Shares an order discount over lines in proportion to what each is worth after its own discount (largest
 * remainder). A line never takes more than it is worth; what the lines cannot take stays with the order
 * (`unallocatedMinor`, e.g. a voucher that also pays the shipping).
 */
export function shareOrderDiscount(lines: readonly { unitPriceMinor: number; quantity: number; discountMinor: number }[], orderDiscountMinor: number):
{ shares: number[]; unallocatedMinor: number } {
  const worth = lines.map((l) => Math.max(0, l.unitPriceMinor * l.quantity - l.discountMinor));
  const shareable = Math.min(orderDiscountMinor, worth.reduce((a, b) => a + b, 0));
  const shares = shareable === 0 ? worth.map(() => 0) : allocateMinor(shareable, worth);
  return { shares, unallocatedMinor: orderDiscountMinor - shareable };
}

/** The order-level money that is not any line's. */
export interface Charges {
  shippingMinor: number;
  shippingTaxMinor: number;
  unallocatedDiscountMinor: number;
}

export const chargesOf = (order: Pick<OrderState, 'totals' | 'shippingTaxMinor' | 'unallocatedDiscountMinor'>): Charges => ({
  shippingMinor: order.totals.shippingMinor, shippingTaxMinor: order.shippingTaxMinor, unallocatedDiscountMinor: order.unallocatedDiscountMinor,
});

export const noCharges: Charges = { shippingMinor: 0, shippingTaxMinor: 0, unallocatedDiscountMinor: 0 };

/**
 * Totals from the lines plus the order-level charges: total = subtotal - discount + shipping + tax, and the sum of the
 * line totals plus shipping, its tax and the unallocated discount is the order total. An unallocated discount larger
 * than what is left of the order is cut to it (the total never goes below 0); `clampedMinor` says by how much.
 */
export function totalsOf(lines: readonly LineState[], charges: Charges): { totals: Totals; charges: Charges; clampedMinor: number } {
  const sum = (f: (l: LineState) => number) => lines.reduce((a, l) => a + f(l), 0);
  const subtotalMinor = sum((l) => l.unitPriceMinor * activeUnits(l));
  const lineDiscount = sum((l) => l.discountMinor + l.orderDiscountMinor);
  const taxMinor = sum((l) => l.taxMinor) + charges.shippingTaxMinor;
  const before = subtotalMinor - lineDiscount + charges.shippingMinor + taxMinor;
  const unallocated = Math.max(0, Math.min(charges.unallocatedDiscountMinor, before));
  return {
    totals: { subtotalMinor, discountMinor: lineDiscount + unallocated, shippingMinor: charges.shippingMinor, taxMinor, totalMinor: before - unallocated },
    charges: { ...charges, unallocatedDiscountMinor: unallocated },
    clampedMinor: charges.unallocatedDiscountMinor - unallocated,
  };
}

// ---- guards -------------------------------------------------------------------------------------------------------

/** The 409 for a command the order's status does not allow, in the same shape `transitionOrder` answers. */
export function wrongStatus(status: OrderStatus, what: string, allowedFrom: readonly OrderStatus[]): AppError {
  return new AppError('invalid_state', `the order is ${status}; ${what} only when it is ${allowedFrom.join(' or ')}`, {
    currentStatus: status, allowed: transitions[status],
  });
}

export function requireStatus(order: Pick<OrderState, 'status'>, what: string, allowedFrom: readonly OrderStatus[]): void {
  if (!allowedFrom.includes(order.status)) throw wrongStatus(order.status, what, allowedFrom);
}

/**
 * Lines, addresses and quantities change only while nothing has gone to the warehouse — and not on a held order whose
 * every unit has shipped (held for a carrier exception): its parcels are at the carrier.
 */
export function assertEditable(order: Pick<OrderState, 'number' | 'status'> & { lines?: readonly LineState[] }): void {
  if (!isEditable(order.status)) {
    throw new AppError('invalid_state', `order ${order.number} is ${order.status}; it can only be changed while ${editableStatuses.join(', ')}`, {
      currentStatus: order.status, allowed: editableStatuses,
    });
  }
  if (order.lines && everyUnitShipped(order.lines)) {
    throw new AppError('invalid_state', `order ${order.number} is ${order.status} but every unit has shipped; a shipped order cannot be changed (returns take back what the customer sends)`, {
      currentStatus: order.status, allowed: [],
    });
  }
}

/** No unit left open and some shipped: every parcel has left (what a held shipped order is). */
export const everyUnitShipped = (lines: readonly LineState[]): boolean =>
  lines.every((l) => openUnits(l) === 0) && lines.some((l) => l.shipped > 0);

/** The order is at the version the caller saw (If-Match), when the caller said one. */
export function assertVersion(order: Pick<OrderState, 'version'>, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== order.version) throw versionConflict('order', order.version, expectedVersion);
}

/** "Hold x released: the note", or without a note just the text. */
export const withNote = (text: string, note: string | undefined): string => (note ? `${text}: ${note}` : text);

export const lineLabel = (l: Pick<LineState, 'lineNo' | 'sku'>): string => `line ${l.lineNo} (${l.sku})`;

/** A line of the order that still has open units and has shipped none (units at the carrier cannot be edited). */
export function editableLine(order: OrderState, lineId: string): LineState {
  const line = order.lines.find((l) => l.id === lineId);
  if (!line) throw notFound('order line', lineId);
  if (line.shipped > 0) throw new AppError('invalid_state', `${lineLabel(line)} has ${line.shipped} shipped unit(s); shipped lines cannot be edited`);
  if (openUnits(line) === 0) throw new AppError('invalid_state', `${lineLabel(line)} is cancelled; add a new line instead`);
  return line;
}

/**
 * Finds lines of the order by id; an id not on this order is a 404 naming it. Repeating a line is a 400: the caller
 * means one quantity per line, and adding them up silently could ship or cancel more than intended.
 */
export function pickLines(order: Pick<OrderState, 'id' | 'lines'>, wanted: readonly { lineId: string; quantity: number }[]): { line: LineState; quantity: number; index: number }[] {
  const byId = new Map(order.lines.map((l) => [l.id, l]));
  const seen = new Set<string>();
  return wanted.map((w, index) => {
    const line = byId.get(w.lineId);
    if (!line) throw new AppError('not_found', `line ${w.lineId} is not a line of order ${order.id}`, { entity: 'order_line', id: w.lineId });
    if (seen.has(w.lineId)) {
      throw new AppError('validation_failed', `line ${w.lineId} is listed twice; give each line once with its total quantity`, {
        errors: [{ path: `/body/lines/${index}/lineId`, message: 'repeated line' }],
      });
    }
    seen.add(w.lineId);
    return { line, quantity: w.quantity, index };
  });
}

// ---- identity -----------------------------------------------------------------------------------------------------

/** md5 of the sorted (sku, quantity) pairs: the same items in any order give the same signature. */
export function itemsSignature(lines: readonly { sku: string; quantity: number }[]): string {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.sku, (merged.get(l.sku) ?? 0) + l.quantity);
  return createHash('md5').update([...merged].sort(([a], [b]) => a.localeCompare(b)).map(([s, q]) => `${s}:${q}`).join('|')).digest('hex');
}

export const signatureOf = (lines: readonly LineState[]): string =>
  itemsSignature(lines.filter((l) => activeUnits(l) > 0).map((l) => ({ sku: l.sku, quantity: activeUnits(l) })));

/** JSON with sorted keys: two addresses are the same when this is. */
export const canonical = (value: unknown): string => JSON.stringify(value ?? null, (_key, v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v);
