import { Type } from 'typebox';
import { personalDataOf } from '../access/index.js';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, IfMatch, ListQuery, Page, expectedVersion } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { Customer, CustomerInput, CustomerPatch, CustomerType, normaliseEmail, normalisePhone } from './customer.js';
import { findCustomer, listCustomers, toCustomer } from './customer.repository.js';
import { redactCustomer } from './redact-customer.js';
import { changeCustomer, createCustomer } from './save-customer.js';

const tags = ['customers'];

export function registerCustomerRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  app.post('/customers', {
    config: { permission: 'customer:write' },
    schema: { tags, summary: 'Create a customer or B2B account (email and/or phone required)', body: CustomerInput, response: { 201: Customer } },
  }, async (request, reply) => redactCustomer(await run(request, reply, (trx) => createCustomer(trx, request.body)), personalDataOf(request)));

  app.get('/customers', {
    config: { permission: 'customer:read' },
    schema: {
      tags,
      summary: 'List customers by name',
      querystring: Type.Object({
        ...ListQuery,
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Start of the name or the email, any case' })),
        email: Type.Optional(Type.String({ maxLength: 254 })),
        phone: Type.Optional(Type.String({ maxLength: 30 })),
        blocked: Type.Optional(Type.Boolean()),
        type: Type.Optional(CustomerType),
      }, { additionalProperties: false }),
      response: { 200: Page(Customer) },
    },
  }, async (request) => {
    const { limit = 50, cursor, email, phone, ...filter } = request.query;
    const after = decodeCursor(cursor, ['text', 'uuid']);
    const rows = await listCustomers(db, {
      ...filter, email: normaliseEmail(email) ?? undefined, phone: normalisePhone(phone) ?? undefined, after, limit: limit + 1,
    });
    const level = personalDataOf(request);
    const result = page(request, rows.map(toCustomer), limit, (last) => [last.name, last.id]);
    return { ...result, data: result.data.map((c) => redactCustomer(c, level)) };
  });

  app.get('/customers/:id', {
    config: { permission: 'customer:read' },
    schema: { tags, summary: 'Get a customer', params: IdParams, response: { 200: Customer } },
  }, async (request) => {
    const row = await findCustomer(db, request.params.id);
    if (!row) throw notFound('customer', request.params.id);
    return redactCustomer(toCustomer(row), personalDataOf(request));
  });

  app.patch('/customers/:id', {
    config: { permission: 'customer:write' },
    schema: {
      tags,
      summary: 'Change a customer; `{"blocked": true, "blockedReason": "…"}` puts them on the block list',
      params: IdParams,
      headers: IfMatch,
      body: CustomerPatch,
      response: { 200: Customer },
    },
  }, async (request, reply) =>
    redactCustomer(await run(request, reply, (trx) => changeCustomer(trx, request.params.id, request.body, expectedVersion(request.headers))), personalDataOf(request)));
}
