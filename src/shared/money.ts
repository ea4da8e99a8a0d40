/**
 * Money is an integer count of minor units plus an ISO 4217 code. Never floats.
 */
export interface Money {
  amountMinor: number;
  currency: string;
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export const isCurrency = (code: string): boolean => knownCurrencies.has(code);

/**
 * Splits `totalMinor` in proportion to `weights` so that the parts always add up to the total: each part gets the
 * floor of its exact share, then the units left over go to the largest remainders (ties to the earlier part).
 */
export function allocateMinor(totalMinor: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(totalMinor)) throw new RangeError('totalMinor must be a safe integer');
  if (weights.some((w) => !(w >= 0))) throw new RangeError('weights must be non-negative');
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (weightSum === 0) return allocateMinor(totalMinor, weights.map(() => 1));
  const sign = totalMinor < 0 ? -1 : 1;
  const total = Math.abs(totalMinor);
  const exact = weights.map((w) => (total * w) / weightSum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts.map((p) => p * sign);
}

/** 2495 EUR → "24.95 EUR", 500 JPY → "500 JPY": for people reading a timeline or a message. */
export function formatMoney(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
}
