/**
 * Offline money from a bank file: a CSV of the money that came into the business's account (a statement export), one
 * row a payment — `date,amount,currency,reference` and optionally `payer` and `order`. Each row is matched to an order
 * by the order number in `order`, or else in the free text of `reference` (what the customer wrote on the transfer),
 * and recorded as a settled capture of the order's offline payment (cash on delivery, bank transfer, B2B invoice),
 * with the same limits as a capture by hand: never more than the order still owes, in its currency.
 *
 * Nothing half-written: the file is read and matched before any transaction, then every row is recorded in one
 * transaction. By default (`onError=reject`) one row that cannot be recorded — unreadable, unmatched, ambiguous, more
 * than the order owes, not an offline order — refuses the whole file (a 422 `bulk_rejected` listing every such row
 * with its problem and numbers) and nothing is written; with `onError=skip` the other rows are recorded and those
 * reported. Idempotent: each row is recorded with its key (a hash of its fields and its occurrence in the file), so
 * the same file imported twice records nothing twice — its rows answer `already_recorded`.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { Type, type Static } from 'typebox';
import type { CommandResult } from '../db/command.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import { Id, Nullable } from '../http/schemas.js';
import { AppError } from '../shared/errors.js';
import { isCurrency } from '../shared/money.js';
import { planCapture } from './capture-payment.js';
import { insertPayment, lockOrderIds, ordersByNumber, paymentByBankRow, type PaymentRow } from './payment.repository.js';
import { afterSettled, type SettleHooks } from './settle-effects.js';
import { newId } from '../shared/ids.js';

export const MAX_BANK_ROWS = 10_000;

export const BankFileQuery = Type.Object({
  onError: Type.Optional(Type.Enum(['reject', 'skip'], {
    default: 'reject',
    description: '`reject` (default): one row that cannot be recorded refuses the file and nothing is written; `skip`: the other rows are recorded and those reported',
  })),
}, { additionalProperties: false });
export type BankFileQuery = Static<typeof BankFileQuery>;

export const bankRowProblems = ['malformed', 'not_received', 'unmatched', 'ambiguous', 'currency_mismatch', 'capture_exceeds_authorized', 'invalid_state', 'not_found'] as const;

export const BankRowResult = Type.Object({
  line: Type.Integer({ description: 'Line of the file (the header is line 1)' }),
  outcome: Type.Enum(['recorded', 'already_recorded', 'rejected']),
  date: Nullable(Type.String()),
  amountMinor: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  reference: Type.String(),
  payer: Nullable(Type.String()),
  orderId: Nullable(Id),
  orderNumber: Nullable(Type.String()),
  paymentId: Nullable(Id),
  problem: Type.Optional(Type.Enum(bankRowProblems, { description: 'Why the row was not recorded' })),
  message: Type.Optional(Type.String({ description: 'What is wrong and what to do' })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The numbers involved (as the capture route answers them)' })),
});
export type BankRowResult = Static<typeof BankRowResult>;

export const BankFileResult = Type.Object({
  rows: Type.Integer({ description: 'Rows read' }),
  recorded: Type.Integer(),
  alreadyRecorded: Type.Integer({ description: 'Rows recorded by an earlier import of the same file (or an overlapping one)' }),
  rejected: Type.Integer({ description: 'Rows not recorded (onError=skip)' }),
  recordedMinor: Type.Record(Type.String(), Type.Integer(), { description: 'Sum recorded per currency' }),
  results: Type.Array(BankRowResult, { description: 'Every row, in file order' }),
});
export type BankFileResult = Static<typeof BankFileResult>;

const REQUIRED = ['date', 'amount', 'currency', 'reference'] as const;
const OPTIONAL = ['payer', 'order'] as const;

interface ReadRow {
  line: number; date: string | null; amountMinor: number | null; currency: string | null; reference: string; payer: string | null; order: string | null;
  key: string | null;
}

const digitsOf = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

const isDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))
  && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

const blank = (row: Omit<ReadRow, 'key'>, problem: (typeof bankRowProblems)[number], message: string, details?: Record<string, unknown>): BankRowResult => ({
  line: row.line, outcome: 'rejected', date: row.date, amountMinor: row.amountMinor, currency: row.currency, reference: row.reference, payer: row.payer,
  orderId: null, orderNumber: null, paymentId: null, problem, message, ...(details && { details }),
});

/** One row's fields as sent; a row it cannot read is a result already (rejected, `malformed`). */
function checkRow(line: number, raw: Record<string, string>): ReadRow | BankRowResult {
  const text = (field: string) => (raw[field] ?? '').trim();
  const row = { line, date: text('date') || null, amountMinor: null as number | null, currency: text('currency').toUpperCase() || null, reference: text('reference'), payer: text('payer') || null, order: text('order') || null };
  const wrong: string[] = [];
  if (!row.date || !isDate(row.date)) wrong.push(`date ${JSON.stringify(text('date'))} is not a day as YYYY-MM-DD`);
  if (!row.currency || !/^[A-Z]{3}$/.test(row.currency) || !isCurrency(row.currency)) wrong.push(`currency ${JSON.stringify(text('currency'))} is not an ISO 4217 code such as EUR`);
  const amount = text('amount');
  const m = /^(-)?(\d{1,13})(?:\.(\d+))?$/.exec(amount);
  if (!m) {
    wrong.push(`amount ${JSON.stringify(amount)} is not a decimal number such as 247.45 (a point before the cents, no thousands separator)`);
  } else if (row.currency && wrong.length === 0) {
    const digits = digitsOf(row.currency);
    const cents = m[3] ?? '';
    if (cents.length > digits) wrong.push(`amount ${amount} has more decimals than ${row.currency} has (${digits})`);
    else row.amountMinor = (m[1] ? -1 : 1) * (Number(m[2]) * 10 ** digits + Number(cents.padEnd(digits, '0') || '0'));
  }
  if (!row.reference && !row.order) wrong.push('neither reference nor order says which order it pays: give the order number in one of them');
  if (wrong.length > 0) return blank(row, 'malformed', `${wrong.join('; ')}`);
  if ((row.amountMinor ?? 0) <= 0) {
    return blank(row, 'not_received', `the amount ${amount} is not money received (only incoming payments above zero are recorded; refunds go through POST /v1/refunds)`);
  }
  return { ...row, key: null };
}

/** Reads the whole CSV (at most MAX_BANK_ROWS rows); the header names the columns, in any order and case. */
export async function readBankFile(body: Readable): Promise<{ rows: ReadRow[]; bad: BankRowResult[] }> {
  const rows: ReadRow[] = [];
  const bad: BankRowResult[] = [];
  const parser = body.pipe(parse({
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim().toLowerCase());
      const missing = REQUIRED.filter((c) => !names.includes(c));
      if (missing.length > 0) {
        throw new AppError('validation_failed', `the CSV header (line 1) lacks ${missing.join(', ')}: start with a line such as "date,amount,currency,reference,payer" (order is optional)`, {
          errors: [{ path: '/body/line/1', message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` }],
        });
      }
      return names.map((n) => ((REQUIRED as readonly string[]).includes(n) || (OPTIONAL as readonly string[]).includes(n) ? n : `ignored:${n}`));
    },
    skip_empty_lines: true,
    relax_column_count: true,
    bom: true,
    info: true,
  }));
  let wrongLength = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; invalid_field_length: number } }>) {
      if (rows.length + bad.length >= MAX_BANK_ROWS) {
        throw new AppError('payload_too_large', `a bank file has at most ${MAX_BANK_ROWS.toLocaleString('en')} rows: send it in several files (e.g. one per day)`);
      }
      if (info.invalid_field_length > wrongLength) {
        wrongLength = info.invalid_field_length;
        bad.push(blank({ line: info.lines, date: null, amountMinor: null, currency: null, reference: '', payer: null, order: null }, 'malformed', 'not as many fields as the header'));
        continue;
      }
      const checked = checkRow(info.lines, record);
      if ('outcome' in checked) bad.push(checked);
      else rows.push(checked);
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const err = e as { message?: string; lines?: number };
    throw new AppError('validation_failed', `the CSV cannot be read${err.lines ? ` at line ${err.lines}` : ''}: ${err.message ?? 'malformed'}`, {
      errors: [{ path: `/body/line/${err.lines ?? 0}`, message: err.message ?? 'malformed CSV' }],
    });
  }
  // A row's key: its fields and how many identical rows came before it in the file (two equal payments are two).
  const seen = new Map<string, number>();
  for (const r of rows) {
    const fields = [r.date, r.amountMinor, r.currency, r.reference, r.payer ?? '', r.order ?? ''].join('\u001f');
    const n = (seen.get(fields) ?? 0) + 1;
    seen.set(fields, n);
    r.key = createHash('sha256').update(`${fields}\u001f${n}`).digest('hex');
  }
  return { rows, bad };
}

/** The order numbers a row may name: `order` as given, or the words of `reference` that look like one. */
const candidatesOf = (r: ReadRow): string[] => (r.order
  ? [r.order, r.order.toUpperCase()]
  : [...new Set(r.reference.split(/[^A-Za-z0-9_-]+/).filter((w) => w.length >= 3 && /\d/.test(w)).flatMap((w) => [w, w.toUpperCase()]))]);

export interface MatchedRow { row: ReadRow; orderId: string; orderNumber: string }

/** Finds each row's order (before any transaction); an unmatched or ambiguous row is a result already. */
export async function matchBankRows(db: DbOrTrx, rows: readonly ReadRow[]): Promise<{ matched: MatchedRow[]; bad: BankRowResult[] }> {
  const orders = await ordersByNumber(db, [...new Set(rows.flatMap(candidatesOf))]);
  const matched: MatchedRow[] = [];
  const bad: BankRowResult[] = [];
  for (const row of rows) {
    const found = [...new Map(candidatesOf(row).flatMap((c) => orders.get(c) ?? []).map((o) => [o.id, o])).values()];
    if (found.length === 1) {
      matched.push({ row, orderId: found[0]!.id, orderNumber: found[0]!.number });
    } else if (found.length === 0) {
      bad.push(blank(row, 'unmatched', row.order
        ? `no order has the number ${row.order}`
        : `the reference names no order number: record it by hand (POST /v1/orders/{id}/payments/received) or give the order number in an order column`));
    } else {
      bad.push(blank(row, 'ambiguous', `the reference names ${found.length} orders (${found.map((o) => o.number).join(', ')}): record it by hand, or give the one order number in an order column`, {
        orderNumbers: found.map((o) => o.number),
      }));
    }
  }
  return { matched, bad };
}

const refused = (results: BankRowResult[], rejected: number) => {
  const first = results.find((r) => r.outcome === 'rejected');
  return new AppError('bulk_rejected',
    `${rejected} row${rejected > 1 ? 's' : ''} of the bank file cannot be recorded (first: line ${first?.line}, ${first?.problem}: ${first?.message}); `
    + 'nothing was recorded: fix them and import the file again, or import it with ?onError=skip to record the other rows', {
      rejected, rows: results.filter((r) => r.outcome === 'rejected'),
    });
};

/** Throws the refusal when a row cannot be recorded and the file is all or nothing. */
export function refuseUnlessSkipping(bad: BankRowResult[], query: BankFileQuery): void {
  if (bad.length > 0 && query.onError !== 'skip') throw refused([...bad].sort((a, b) => a.line - b.line), bad.length);
}

/** Records the matched rows, in file order, in the request's transaction. */
export async function importBankFile(
  trx: Trx, read: { rows: number; matched: MatchedRow[]; bad: BankRowResult[] }, query: BankFileQuery, actor: string, hooks: SettleHooks,
): Promise<CommandResult<BankFileResult>> {
  // Every order of the file locked first, in one order (by id): two imports never wait on each other in a circle.
  await lockOrderIds(trx, [...new Set(read.matched.map((m) => m.orderId))]);
  const results: BankRowResult[] = [...read.bad];
  const recordedMinor: Record<string, number> = {};
  for (const { row, orderId, orderNumber } of read.matched) {
    const base = { line: row.line, date: row.date, amountMinor: row.amountMinor, currency: row.currency, reference: row.reference, payer: row.payer, orderId, orderNumber };
    const key = row.key ?? '';
    const prior = await paymentByBankRow(trx, key);
    if (prior) {
      results.push({ ...base, outcome: 'already_recorded', paymentId: prior.id });
      continue;
    }
    let written: PaymentRow;
    try {
      const intent = await planCapture(trx, orderId, { amountMinor: row.amountMinor ?? 0, currency: row.currency ?? undefined, reference: row.reference || row.order || undefined }, {
        method: 'bank_transfer', note: `bank file: received ${row.date}${row.payer ? ` from ${row.payer}` : ''}`, bankRowKey: key,
      });
      for (const b of intent.before ?? []) await insertPayment(trx, { ...b, actor, principalId: null, requestKey: null, requestHash: null });
      const id = newId();
      written = await insertPayment(trx, {
        id, orderId, kind: 'capture', status: 'succeeded', amountMinor: intent.amountMinor, currency: intent.currency, provider: intent.provider,
        method: intent.method ?? null, providerKey: `capture:${id}`, providerRef: intent.reference, actor, principalId: null, requestKey: null,
        requestHash: null, reason: intent.reason ?? null, bankRowKey: key,
      });
    } catch (e) {
      if (!(e instanceof AppError) || !(bankRowProblems as readonly string[]).includes(e.code)) throw e;
      results.push({ ...base, outcome: 'rejected', paymentId: null, problem: e.code as (typeof bankRowProblems)[number], message: e.message, details: e.extra });
      continue;
    }
    await afterSettled(trx, written, actor, hooks);
    recordedMinor[written.currency] = (recordedMinor[written.currency] ?? 0) + written.amount_minor;
    results.push({ ...base, outcome: 'recorded', paymentId: written.id });
  }
  results.sort((a, b) => a.line - b.line);
  const count = (o: BankRowResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const rejected = count('rejected');
  // A row the ledger refuses under the lock (more than the order owes, a cancelled order) refuses the file too.
  if (rejected > 0 && query.onError !== 'skip') throw refused(results, rejected);
  const value: BankFileResult = { rows: read.rows, recorded: count('recorded'), alreadyRecorded: count('already_recorded'), rejected, recordedMinor, results };
  return {
    created: false,
    value,
    audit: { action: 'payment.bank_file_imported', entityType: 'payment', entityId: null, details: { rows: value.rows, recorded: value.recorded, alreadyRecorded: value.alreadyRecorded, rejected, recordedMinor } },
  };
}
