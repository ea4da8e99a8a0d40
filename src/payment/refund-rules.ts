/**
 * How much a refund pays back, and why — to the cent, from what is stored. Pure; the quote, the refund and the
 * property test all call `explainRefund`.
 *
 * A line's money (its own discount, its stored share of order discounts — order_lines.order_discount_minor, migration
 * 0015 — and its tax) belongs to its units that are not cancelled. Each unit's share of each amount is the line's
 * amount split over those units by largest remainder (src/shared/money.ts: equal weights, the extra cents to the
 * earlier units), and units are refunded in order: a refund of `k` units after `j` were refunded before takes units
 * j+1 … j+k. So however a line comes back — at once, or in three returns — its refunds add up to exactly what was paid
 * for it.
 *
 * Then, per refund: shipping (with its tax) when the policy refunds it and this refund brings back the last unit;
 * order discount that no line took (it belongs to the order) on that same last refund; minus the restocking fee
 * (basis points of the items' paid value, rounded down: in the customer's favour); an amount given by hand (goodwill);
 * captured money the order no longer costs after a cancellation; capped at what is still refundable (captured less
 * refunded). The parts always add up: total = items + shipping − unallocated discount − fee + goodwill + cancellation
 * − capped.
 */
import { Type, type Static } from 'typebox';
import { allocateMinor } from '../shared/money.js';

/**
 * The sum of the first `k` of `n` equal largest-remainder parts of `amount`: exactly
 * `allocateMinor(amount, n × [1]).slice(0, k)` summed (each part is ⌊amount/n⌋, the first `amount mod n` get one
 * more), without building n parts (a line may have a million units). small n uses allocateMinor itself.
 */
export function firstUnitsShare(amountMinor: number, n: number, k: number): number {
  if (n <= 0 || k <= 0) return 0;
  const take = Math.min(k, n);
  if (n <= 64) return allocateMinor(amountMinor, new Array<number>(n).fill(1)).slice(0, take).reduce((a, b) => a + b, 0);
  const q = Math.floor(amountMinor / n);
  return take * q + Math.min(take, amountMinor - q * n);
}

/** The share of units from+1 … from+count. */
export const unitsShare = (amountMinor: number, n: number, from: number, count: number): number =>
  firstUnitsShare(amountMinor, n, from + count) - firstUnitsShare(amountMinor, n, from);

export interface RefundLineInput {
  lineId: string; lineNo: number; sku: string;
  unitPriceMinor: number;
  /** Units not cancelled: what the line's money belongs to. */
  paidUnits: number;
  discountMinor: number; orderDiscountMinor: number; taxMinor: number;
  /** Units of this line refunded before (succeeded or pending refunds). */
  refundedUnits: number;
  /** Units this refund pays back. */
  units: number;
}

export interface RefundInput {
  currency: string;
  lines: readonly RefundLineInput[];
  /** Every unit not cancelled of every line of the order, refunded before plus now, is this refund the last? */
  completesOrder: boolean;
  shipping: { refundable: boolean; asked: boolean; shippingMinor: number; shippingTaxMinor: number; refundedBeforeMinor: number };
  unallocatedDiscountMinor: number;
  restockingFeeBps: number;
  /** Captured less refunded, charged back and pending refunds. */
  maxRefundableMinor: number;
}

const Part = Type.Object({ amountMinor: Type.Integer(), rule: Type.String() });

export const RefundLineExplanation = Type.Object({
  lineId: Type.String(), lineNo: Type.Integer(), sku: Type.String(),
  units: Type.Integer({ description: 'Units this refund pays back' }),
  unitsRefundedBefore: Type.Integer(),
  paidUnits: Type.Integer({ description: 'Units of the line not cancelled; its money belongs to them' }),
  unitPriceMinor: Type.Integer(),
  subtotalMinor: Type.Integer({ description: 'unitPriceMinor × units' }),
  discountMinor: Type.Integer({ description: 'These units\' share of the line\'s own discount' }),
  orderDiscountMinor: Type.Integer({ description: 'These units\' share of the line\'s stored share of order discounts' }),
  taxMinor: Type.Integer({ description: 'These units\' share of the line\'s tax' }),
  amountMinor: Type.Integer({ description: 'subtotal − discount − order discount + tax' }),
  rule: Type.String(),
});

export const RefundExplanation = Type.Object({
  currency: Type.String(),
  lines: Type.Array(RefundLineExplanation),
  itemsMinor: Type.Integer({ description: 'The sum of the lines\' amounts' }),
  shipping: Part,
  unallocatedDiscount: Part,
  restockingFee: Type.Object({ bps: Type.Integer(), amountMinor: Type.Integer(), rule: Type.String() }),
  goodwill: Part,
  cancellation: Part,
  exchange: Part,
  maxRefundableMinor: Type.Integer({ description: 'Captured less refunded, charged back and pending refunds, before this refund' }),
  cappedMinor: Type.Integer({ description: 'What the parts add up to beyond maxRefundableMinor, not paid' }),
  totalMinor: Type.Integer(),
  rule: Type.String(),
}, { description: 'Every number of a refund with the inputs and the rule that produced it' });
export type RefundExplanation = Static<typeof RefundExplanation>;

const units = (n: number) => `${n} unit${n === 1 ? '' : 's'}`;

export function explainLine(l: RefundLineInput): Static<typeof RefundLineExplanation> {
  const share = (amount: number) => unitsShare(amount, l.paidUnits, l.refundedUnits, l.units);
  const subtotalMinor = l.unitPriceMinor * l.units;
  const discountMinor = share(l.discountMinor);
  const orderDiscountMinor = share(l.orderDiscountMinor);
  const taxMinor = share(l.taxMinor);
  const range = l.units === 1 ? `unit ${l.refundedUnits + 1}` : `units ${l.refundedUnits + 1}–${l.refundedUnits + l.units}`;
  return {
    lineId: l.lineId, lineNo: l.lineNo, sku: l.sku, units: l.units, unitsRefundedBefore: l.refundedUnits, paidUnits: l.paidUnits,
    unitPriceMinor: l.unitPriceMinor, subtotalMinor, discountMinor, orderDiscountMinor, taxMinor,
    amountMinor: subtotalMinor - discountMinor - orderDiscountMinor + taxMinor,
    rule: `${range} of ${l.paidUnits}: ${l.units} × ${l.unitPriceMinor}; the line's discount ${l.discountMinor}, order discount share `
      + `${l.orderDiscountMinor} and tax ${l.taxMinor} split over its ${units(l.paidUnits)} by largest remainder (the extra cents to the earlier units)`,
  };
}

export interface ExtraParts {
  goodwillMinor?: number;
  goodwillReason?: string;
  /** Captured money beyond what the order still costs after units were cancelled, and why. */
  cancellation?: { amountMinor: number; rule: string };
  /** What of the returned goods' value paid for an exchange's replacement order (deducted). */
  exchange?: { amountMinor: number; rule: string };
}

export function explainRefund(input: RefundInput, extra: ExtraParts = {}): RefundExplanation {
  const goodwillMinor = extra.goodwillMinor ?? 0;
  const goodwillReason = extra.goodwillReason ?? '';
  const lines = input.lines.filter((l) => l.units > 0).map(explainLine);
  const itemsMinor = lines.reduce((a, l) => a + l.amountMinor, 0);

  const s = input.shipping;
  const shippingOwed = Math.max(0, s.shippingMinor + s.shippingTaxMinor - s.refundedBeforeMinor);
  const shipping = !s.refundable
    ? { amountMinor: 0, rule: 'shipping is not refunded (the channel\'s return policy, or not asked for)' }
    : !input.completesOrder && !s.asked
      ? { amountMinor: 0, rule: 'shipping is refunded with the last unit of the order, and units remain' }
      : { amountMinor: shippingOwed, rule: `shipping ${s.shippingMinor} + its tax ${s.shippingTaxMinor} less ${s.refundedBeforeMinor} refunded before: ${s.asked ? 'asked for' : 'the last unit comes back'}` };

  const unallocatedDiscount = input.completesOrder && input.unallocatedDiscountMinor > 0
    ? { amountMinor: input.unallocatedDiscountMinor, rule: `order discount no line took (${input.unallocatedDiscountMinor}) is deducted with the last unit of the order` }
    : { amountMinor: 0, rule: input.unallocatedDiscountMinor > 0 ? 'order discount no line took is deducted with the last unit, and units remain' : 'every order discount is on the lines' };

  const feeMinor = Math.floor((Math.max(0, itemsMinor) * input.restockingFeeBps) / 10_000);
  const restockingFee = {
    bps: input.restockingFeeBps,
    amountMinor: feeMinor,
    rule: input.restockingFeeBps === 0 ? 'the channel charges no restocking fee'
      : `${input.restockingFeeBps / 100} % of the items ${itemsMinor}, rounded down`,
  };
  const goodwill = goodwillMinor > 0
    ? { amountMinor: goodwillMinor, rule: `an amount given by hand${goodwillReason ? `: ${goodwillReason}` : ''}` }
    : { amountMinor: 0, rule: 'no amount given by hand' };

  const cancellation = extra.cancellation ?? { amountMinor: 0, rule: 'no units were cancelled after their money was captured' };
  const exchange = extra.exchange ?? { amountMinor: 0, rule: 'no replacement order was paid with these goods' };
  const parts = itemsMinor + shipping.amountMinor - unallocatedDiscount.amountMinor - feeMinor + goodwill.amountMinor + cancellation.amountMinor
    - exchange.amountMinor;
  const wanted = Math.max(0, parts);
  const totalMinor = Math.min(wanted, input.maxRefundableMinor);
  const cappedMinor = parts - totalMinor;
  return {
    currency: input.currency, lines, itemsMinor, shipping, unallocatedDiscount, restockingFee, goodwill, cancellation, exchange,
    maxRefundableMinor: input.maxRefundableMinor, cappedMinor, totalMinor,
    rule: 'total = items + shipping − unallocated discount − restocking fee + goodwill + cancellation − exchange − capped; capped is what the parts add up to '
      + `beyond what is still refundable (${input.maxRefundableMinor}) or below zero`,
  };
}

/** The check the property test and the refund use case both run: the parts add up to the total. */
export const partsAddUp = (e: RefundExplanation): boolean =>
  e.itemsMinor === e.lines.reduce((a, l) => a + l.amountMinor, 0)
  && e.lines.every((l) => l.amountMinor === l.subtotalMinor - l.discountMinor - l.orderDiscountMinor + l.taxMinor)
  && e.totalMinor === e.itemsMinor + e.shipping.amountMinor - e.unallocatedDiscount.amountMinor - e.restockingFee.amountMinor
    + e.goodwill.amountMinor + e.cancellation.amountMinor - e.exchange.amountMinor - e.cappedMinor;
