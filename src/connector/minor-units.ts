/**
 * Amounts as channels send them — decimal strings in the major unit ("129.90" yuan) — turned into integer minor units
 * exactly: the digits are read as text, never through a float (0.1 + 0.2 is not 0.3 in binary floating point).
 */
const currencyDigits = new Map<string, number>();

/** How many minor-unit digits a currency has (CNY and EUR 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  let digits = currencyDigits.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    currencyDigits.set(currency, digits);
  }
  return digits;
}

const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d+))?$/;

/**
 * "129.90" → 12990 for a 2-digit currency; "129.9" and "129" too. A number is read through its shortest decimal
 * text (what JSON had: 59.9 → "59.9"). Returns null for anything else: more fraction digits than the currency has
 * (other than trailing zeros), exponents, spaces, thousands separators, or a value past 2^53.
 */
export function decimalToMinor(value: string | number, currency: string): number | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const digits = minorDigits(currency);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) return null;
  const minor = Number(`${m[2]}${fraction.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor)) return null;
  return m[1] === '-' ? -minor : minor;
}
