/**
 * Exchange rates for reporting: every payment row's amount in the business's base currency, at the rate in effect on
 * the day (UTC) the row was made. A rate is base-currency units per unit of the currency; minor units follow each
 * currency's digits (JPY has none, EUR two), rounded half away from zero. A row whose currency has no rate on or
 * before its day is a 409 `fx_rate_missing` naming the currency and the day: reporting never guesses.
 */
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import type { CommandResult } from '../db/command.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import { CurrencyCode } from '../http/schemas.js';
import { AppError, invalidField } from '../shared/errors.js';
import { isCurrency } from '../shared/money.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD (UTC)' });
const Rate = Type.String({ pattern: '^[0-9]{1,12}(\\.[0-9]{1,12})?$', description: 'Units of the base currency per unit of the currency, as a decimal string, e.g. "1.0842"' });

export const FxRatesInput = Type.Object({
  baseCurrency: Type.Optional(CurrencyCode),
  rates: Type.Array(Type.Object({ currency: CurrencyCode, effectiveFrom: Day, rate: Rate }, { additionalProperties: false }), { maxItems: 1000 }),
}, { additionalProperties: false });
export type FxRatesInput = Static<typeof FxRatesInput>;

export const FxRates = Type.Object({
  baseCurrency: Type.String(),
  rates: Type.Array(Type.Object({ currency: Type.String(), effectiveFrom: Type.String(), rate: Type.String() })),
});
export type FxRates = Static<typeof FxRates>;

export const PaymentReport = Type.Object({
  baseCurrency: Type.String(),
  from: Type.String(), to: Type.String(),
  totals: Type.Array(Type.Object({ kind: Type.String(), rows: Type.Integer(), baseAmountMinor: Type.Integer() })),
  byCurrency: Type.Array(Type.Object({ kind: Type.String(), currency: Type.String(), amountMinor: Type.Integer(), baseAmountMinor: Type.Integer() })),
});
export type PaymentReport = Static<typeof PaymentReport>;

const digits = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** amountMinor of `currency` in minor units of `base` at `rate` (a decimal string). */
export function toBaseMinor(amountMinor: number, currency: string, base: string, rate: string): number {
  if (currency === base) return amountMinor;
  const value = amountMinor * Number(rate) * 10 ** (digits(base) - digits(currency));
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** An amount in one currency, converted to the base currency at the rate in effect on a day, or not where none is. */
export interface ConvertedAmount { currency: string; amountMinor: number; rate: string | null; rateEffectiveFrom: string | null; baseAmountMinor: number | null }

/** Amounts in several currencies summed in the base currency, each with the rate used, or listed where none exists. */
export interface BaseCurrencyTotal {
  baseCurrency: string;
  rateDay: string;
  totalMinor: number;
  complete: boolean;
  missingRates: string[];
  byCurrency: ConvertedAmount[];
}

/**
 * Sums `amounts` in the base currency at each currency's latest rate on or before `day` (YYYY-MM-DD, UTC). A currency
 * without such a rate is left out of the total and named in `missingRates`: reporting never guesses. One indexed
 * look-up per currency (fx_rates' key is currency, effective_from), whatever the amounts summarise.
 */
export async function totalInBaseCurrency(db: DbOrTrx, amounts: readonly { currency: string; amountMinor: number }[], day: string): Promise<BaseCurrencyTotal> {
  const perCurrency = new Map<string, number>();
  for (const a of amounts) perCurrency.set(a.currency, (perCurrency.get(a.currency) ?? 0) + a.amountMinor);
  const base = await baseCurrency(db);
  const currencies = [...perCurrency.keys()].filter((c) => c !== base).sort();
  const found = currencies.length === 0 ? [] : (await sql<{ currency: string; rate: string; effectiveFrom: string }>`
    SELECT c.currency, r.rate::text AS rate, to_char(r.effective_from, 'YYYY-MM-DD') AS "effectiveFrom"
    FROM unnest(${currencies}::text[]) AS c(currency)
    JOIN LATERAL (SELECT rate, effective_from FROM fx_rates f WHERE f.currency = c.currency AND f.effective_from <= ${day}::date
                  ORDER BY f.effective_from DESC LIMIT 1) r ON true`.execute(db)).rows;
  const rates = new Map(found.map((r) => [r.currency, r]));
  const byCurrency = [...perCurrency.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountMinor]): ConvertedAmount => {
    if (currency === base) return { currency, amountMinor, rate: '1', rateEffectiveFrom: null, baseAmountMinor: amountMinor };
    const r = rates.get(currency);
    return r
      ? { currency, amountMinor, rate: r.rate, rateEffectiveFrom: r.effectiveFrom, baseAmountMinor: toBaseMinor(amountMinor, currency, base, r.rate) }
      : { currency, amountMinor, rate: null, rateEffectiveFrom: null, baseAmountMinor: null };
  });
  const missingRates = byCurrency.filter((c) => c.baseAmountMinor === null).map((c) => c.currency);
  return {
    baseCurrency: base, rateDay: day, totalMinor: byCurrency.reduce((sum, c) => sum + (c.baseAmountMinor ?? 0), 0),
    complete: missingRates.length === 0, missingRates, byCurrency,
  };
}

export async function listFxRates(db: DbOrTrx): Promise<FxRates> {
  const base = await baseCurrency(db);
  const rows = await sql<{ currency: string; effectiveFrom: string; rate: string }>`
    SELECT currency, to_char(effective_from, 'YYYY-MM-DD') AS "effectiveFrom", rate::text AS rate
    FROM fx_rates ORDER BY currency, effective_from`.execute(db);
  return { baseCurrency: base, rates: rows.rows };
}

async function baseCurrency(db: DbOrTrx): Promise<string> {
  return (await db.selectFrom('payment_settings').select('base_currency').executeTakeFirstOrThrow()).base_currency;
}

export async function saveFxRates(trx: Trx, input: FxRatesInput): Promise<CommandResult<FxRates>> {
  for (const [i, r] of input.rates.entries()) {
    if (!isCurrency(r.currency)) throw invalidField(`/body/rates/${i}/currency`, `${r.currency} is not an ISO 4217 currency`);
    if (!(Number(r.rate) > 0)) throw invalidField(`/body/rates/${i}/rate`, 'a rate is more than zero');
  }
  if (input.baseCurrency !== undefined) {
    if (!isCurrency(input.baseCurrency)) throw invalidField('/body/baseCurrency', `${input.baseCurrency} is not an ISO 4217 currency`);
    await trx.updateTable('payment_settings').set({ base_currency: input.baseCurrency }).execute();
  }
  if (input.rates.length > 0) {
    await sql`
      INSERT INTO fx_rates (currency, effective_from, rate)
      SELECT x.currency, x."effectiveFrom"::date, x.rate::numeric
      FROM jsonb_to_recordset(${JSON.stringify(input.rates)}::jsonb) AS x(currency text, "effectiveFrom" text, rate text)
      ON CONFLICT (currency, effective_from) DO UPDATE SET rate = excluded.rate`.execute(trx);
  }
  return { created: false, value: await listFxRates(trx), audit: { action: 'fx_rates.saved', entityType: 'fx_rates', entityId: null, details: { count: input.rates.length, baseCurrency: input.baseCurrency ?? null } } };
}

/** Settled money movements made in [from, to), per kind, in the base currency. */
export async function paymentReport(db: DbOrTrx, from: string, to: string): Promise<PaymentReport> {
  const base = await baseCurrency(db);
  const rows = await sql<{ kind: string; currency: string; day: string; amount: number; rows: number; rate: string | null }>`
    SELECT p.kind, p.currency, to_char((p.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
           sum(p.amount_minor)::bigint AS amount, count(*)::int AS rows,
           (SELECT r.rate::text FROM fx_rates r WHERE r.currency = p.currency AND r.effective_from <= (p.created_at AT TIME ZONE 'UTC')::date
            ORDER BY r.effective_from DESC LIMIT 1) AS rate
    FROM payments p
    WHERE p.status = 'succeeded' AND p.created_at >= ${from}::timestamptz AND p.created_at < ${to}::timestamptz
    GROUP BY p.kind, p.currency, 3, 6`.execute(db);
  const totals = new Map<string, { kind: string; rows: number; baseAmountMinor: number }>();
  const byCurrency = new Map<string, { kind: string; currency: string; amountMinor: number; baseAmountMinor: number }>();
  for (const r of rows.rows) {
    if (r.currency !== base && r.rate === null) {
      throw new AppError('fx_rate_missing', `no exchange rate for ${r.currency} on or before ${r.day}; add one with PUT /v1/fx-rates`, { currency: r.currency, date: r.day, baseCurrency: base });
    }
    const baseMinor = toBaseMinor(Number(r.amount), r.currency, base, r.rate ?? '1');
    const t = totals.get(r.kind) ?? { kind: r.kind, rows: 0, baseAmountMinor: 0 };
    t.rows += r.rows;
    t.baseAmountMinor += baseMinor;
    totals.set(r.kind, t);
    const c = byCurrency.get(`${r.kind}:${r.currency}`) ?? { kind: r.kind, currency: r.currency, amountMinor: 0, baseAmountMinor: 0 };
    c.amountMinor += Number(r.amount);
    c.baseAmountMinor += baseMinor;
    byCurrency.set(`${r.kind}:${r.currency}`, c);
  }
  return { baseCurrency: base, from, to, totals: [...totals.values()], byCurrency: [...byCurrency.values()] };
}
