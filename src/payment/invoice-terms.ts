/**
 * B2B invoice terms: an order paid offline (bank transfer, invoice) by a customer with payment terms
 * (`customers.paymentTermsDays` > 0) is due that many days after it was placed (days counted in UTC). It is overdue
 * while money is still owed after its due day. The order's payment summary shows both; `GET
 * /v1/payments/receivables` lists what is owed on terms, the overdue first (`?overdue=true`: only those).
 *
 * The due day follows the customer's terms as they are now: a change of terms applies to the open invoices.
 */
import { Type, type Static } from 'typebox';
import type { DbOrTrx } from '../db/database.js';
import { Id, Timestamp } from '../http/schemas.js';
import { receivablesOnTerms } from './payment.repository.js';

const DAY_MS = 86_400_000;

export interface Terms { paymentTermsDays: number; dueAt: string; overdue: boolean; daysOverdue: number }

/** The terms of an order placed at `placedAt` with `days` of terms and `balanceDueMinor` still owed, on `today`. */
export function termsOf(placedAt: Date, days: number, balanceDueMinor: number, today: Date = new Date()): Terms {
  const placedDay = Date.UTC(placedAt.getUTCFullYear(), placedAt.getUTCMonth(), placedAt.getUTCDate());
  const due = placedDay + days * DAY_MS;
  const todayDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const late = Math.max(0, Math.round((todayDay - due) / DAY_MS));
  const overdue = balanceDueMinor > 0 && late > 0;
  return { paymentTermsDays: days, dueAt: new Date(due).toISOString().slice(0, 10), overdue, daysOverdue: overdue ? late : 0 };
}

export const ReceivablesQuery = Type.Object({
  overdue: Type.Optional(Type.Boolean({ description: 'Only the invoices past their due day (true), or only those not yet due (false)' })),
  customer: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
}, { additionalProperties: false });
export type ReceivablesQuery = Static<typeof ReceivablesQuery>;

export const Receivable = Type.Object({
  orderId: Id,
  orderNumber: Type.String(),
  customerId: Id,
  customerName: Type.String(),
  currency: Type.String(),
  placedAt: Timestamp,
  paymentTermsDays: Type.Integer(),
  dueAt: Type.String({ format: 'date' }),
  orderTotalMinor: Type.Integer(),
  capturedMinor: Type.Integer(),
  balanceDueMinor: Type.Integer(),
  overdue: Type.Boolean(),
  daysOverdue: Type.Integer(),
});
export type Receivable = Static<typeof Receivable>;

export const Receivables = Type.Object({
  data: Type.Array(Receivable),
  totals: Type.Record(Type.String(), Type.Object({ balanceDueMinor: Type.Integer(), overdueMinor: Type.Integer() }), { description: 'Per currency, over the listed invoices' }),
});
export type Receivables = Static<typeof Receivables>;

/** What is owed on invoice terms (offline orders of customers with terms, not cancelled, not fully paid), by due day. */
export async function receivables(db: DbOrTrx, query: ReceivablesQuery, today: Date = new Date()): Promise<Receivables> {
  const rows = await receivablesOnTerms(db, { overdue: query.overdue, customerId: query.customer, limit: query.limit ?? 200, today: today.toISOString().slice(0, 10) });
  const data = rows.map((r): Receivable => {
    const balance = r.totalMinor - r.capturedMinor;
    return {
      orderId: r.id, orderNumber: r.number, customerId: r.customerId, customerName: r.customerName, currency: r.currency,
      placedAt: r.placedAt.toISOString(), orderTotalMinor: r.totalMinor, capturedMinor: r.capturedMinor, balanceDueMinor: balance,
      ...termsOf(r.placedAt, r.terms, balance, today),
    };
  });
  const totals: Receivables['totals'] = {};
  for (const r of data) {
    const t = (totals[r.currency] ??= { balanceDueMinor: 0, overdueMinor: 0 });
    t.balanceDueMinor += r.balanceDueMinor;
    if (r.overdue) t.overdueMinor += r.balanceDueMinor;
  }
  return { data, totals };
}
