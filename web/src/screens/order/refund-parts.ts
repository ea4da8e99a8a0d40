/**
 * A refund's explanation as the rows of a sum, part by part as the API gives them (src/payment/refund-rules.ts):
 * total = items + shipping − unallocated discount − restocking fee + goodwill + cancellation − exchange − capped.
 * Parts of nothing are left out, but the items of each line and the total always show. Pure.
 */
import type { MessageKey } from '../../i18n.js';
import type { RefundExplanation } from '../../types.js';

export interface RefundRow {
  key: MessageKey;
  values?: Record<string, string | number>;
  /** Signed: what the part adds to the total (a deduction is negative). */
  amountMinor: number;
  /** The API's rule, in its words: the inputs behind the number. */
  rule: string;
}

export function refundRows(e: RefundExplanation): RefundRow[] {
  const rows: RefundRow[] = e.lines.map((l) => ({
    key: 'order.refund.part.line', values: { lineNo: l.lineNo, sku: l.sku, units: l.units }, amountMinor: l.amountMinor, rule: l.rule,
  }));
  const part = (key: MessageKey, sign: 1 | -1, p: { amountMinor: number; rule: string }) => {
    if (p.amountMinor !== 0) rows.push({ key, amountMinor: sign * p.amountMinor, rule: p.rule });
  };
  part('order.refund.part.shipping', 1, e.shipping);
  part('order.refund.part.unallocatedDiscount', -1, e.unallocatedDiscount);
  part('order.refund.part.restockingFee', -1, e.restockingFee);
  part('order.refund.part.goodwill', 1, e.goodwill);
  part('order.refund.part.cancellation', 1, e.cancellation);
  part('order.refund.part.exchange', -1, e.exchange);
  // The API words no rule of its own for the cap: the screen's label says it.
  part('order.refund.part.capped', -1, { amountMinor: e.cappedMinor, rule: '' });
  rows.push({ key: 'order.refund.part.total', amountMinor: e.totalMinor, rule: e.rule });
  return rows;
}

/**
 * An amount typed in the currency's units ("12.5") as minor units (1250 for EUR, 12 for JPY's "12"); null when it is
 * not a plain positive number with at most the currency's decimals.
 */
export function toMinor(text: string, currency: string): number | null {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(text.trim());
  if (!m || (m[2] ?? '').length > digits) return null;
  const minor = Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0);
  return Number.isSafeInteger(minor) && minor > 0 ? minor : null;
}
