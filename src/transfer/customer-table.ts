/**
 * Customers as a table: one row per customer, found again by e-mail (or by phone for customers without one), as
 * capture finds them; a new one is created and a known one changed through the customer module's own use cases.
 */
import { changeCustomer, createCustomer, CustomerInput, findCustomerByContact, normaliseEmail, normalisePhone } from '../customer/index.js';
import { AppError } from '../shared/errors.js';
import { keysetPages } from './keyset.js';
import { Cells, defined, schemaProblems, type RowProblem, type TableEntity } from './table-entity.js';

const columnOf = (path: string) => path.split('/').filter(Boolean).at(-1) ?? 'row';

const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);

export const customerTable: TableEntity<CustomerInput> = {
  name: 'customers',
  columns: ['email', 'phone', 'name', 'type', 'company', 'vatId', 'paymentTermsDays', 'blocked', 'blockedReason', 'language'],
  required: ['name'],
  chunkSize: 500,
  parse(values, row) {
    const c = new Cells(values, row);
    const input = defined({
      email: c.text('email')?.trim(),
      phone: c.text('phone')?.trim(),
      name: c.text('name'),
      type: c.text('type')?.trim(),
      company: c.text('company'),
      vatId: c.text('vatId'),
      paymentTermsDays: c.int('paymentTermsDays'),
      blocked: c.bool('blocked'),
      blockedReason: c.text('blockedReason'),
      language: c.text('language')?.trim(),
    });
    if (input.email === undefined && input.phone === undefined) c.problem('email', 'give an email or a phone number (or both)');
    const problems: RowProblem[] = [...c.problems, ...schemaProblems(CustomerInput, input, row, columnOf).filter((p) => !c.problems.some((q) => q.column === p.column))];
    return problems.length > 0 ? problems : (input as CustomerInput);
  },
  async write(trx, units) {
    let created = 0;
    let updated = 0;
    let unchanged = 0;
    const problems: RowProblem[] = [];
    for (const { rows, value } of units) {
      const email = normaliseEmail(value.email) ?? null;
      const phone = normalisePhone(value.phone) ?? null;
      try {
        const current = await findCustomerByContact(trx, email, email ? null : phone);
        if (!current) {
          await createCustomer(trx, value);
          created += 1;
          continue;
        }
        const patch = {
          email, phone, name: value.name, type: value.type ?? 'person', company: value.company ?? null, vatId: value.vatId ?? null,
          paymentTermsDays: value.paymentTermsDays ?? 0, blocked: value.blocked ?? false, blockedReason: value.blocked ? value.blockedReason ?? null : null,
          language: value.language ?? null,
        };
        const now = { email: current.email, phone: current.phone, name: current.name, type: current.type, company: current.company, vatId: current.vat_id,
          paymentTermsDays: current.payment_terms_days, blocked: current.blocked, blockedReason: current.blocked_reason, language: current.language };
        if (Object.entries(patch).every(([k, v]) => same(v, now[k as keyof typeof now]))) {
          unchanged += 1;
          continue;
        }
        await changeCustomer(trx, current.id, patch);
        updated += 1;
      } catch (e) {
        // The use cases refuse before they write (contact rules, an e-mail another customer has).
        if (!(e instanceof AppError) || e.code === 'internal_error') throw e;
        problems.push({ row: rows[0] as number, column: /phone/.test(e.detail) ? 'phone' : 'email', message: e.detail });
      }
    }
    return { created, updated, unchanged, problems };
  },
  async *exportRows(db) {
    // Every customer in the order they were created (ids are UUIDv7), like a report.
    const rows = keysetPages((after: string | undefined, limit) => {
      let q = db.selectFrom('customers').selectAll().orderBy('id').limit(limit);
      if (after !== undefined) q = q.where('id', '>', after);
      return q.execute();
    }, (r) => r.id);
    for await (const r of rows) {
      yield [r.email, r.phone, r.name, r.type, r.company, r.vat_id, r.payment_terms_days, r.blocked, r.blocked_reason, r.language];
    }
  },
};
