/** GET /v1/orders: the order list with filters, sort orders and keyset pages (the query is in search-orders.ts). */
import { personalDataOf } from '../access/index.js';
import { roleHas } from '../access/index.js';
import type { App } from '../http/app.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Page } from '../http/schemas.js';
import { resolveRefs } from '../inventory/index.js';
import { AppError, type FieldError } from '../shared/errors.js';
import { phoneSearchKey } from '../customer/index.js';
import { isUuid } from '../shared/ids.js';
import { loadOrders } from './order.repository.js';
import { OrderView, redactOrder } from './redact-order.js';
import type { OrderDeps } from './routes.js';
import { searchOrderKeys, validSortKey, type OrderFilter, type OrderKeyset, type OrderSort } from './search-orders.js';
import { unknownRefResponse } from '../http/openapi.js';
import { OrderListQuery } from './order-list-query.js';

/** The checks a schema cannot express, all reported at once like schema errors. */
function queryProblems(query: OrderListQuery): FieldError[] {
  const errors: FieldError[] = [];
  // The trigram index needs three letters or digits in a row; without them PostgreSQL would read every order.
  if (query.q !== undefined && !/[\p{L}\p{N}]{3}/u.test(query.q)) {
    errors.push({ path: '/querystring/q', message: 'needs at least 3 letters or digits in a row' });
  }
  if (query.totalMin !== undefined && query.totalMax !== undefined && query.totalMin > query.totalMax) {
    errors.push({ path: '/querystring/totalMax', message: `must be at least totalMin (${query.totalMin})` });
  }
  if (query.placedFrom !== undefined && query.placedTo !== undefined && Date.parse(query.placedFrom) > Date.parse(query.placedTo)) {
    errors.push({ path: '/querystring/placedTo', message: 'must not be before placedFrom' });
  }
  return errors;
}

/** The cursor carries the sort it was made for, so a cursor of another sort is refused rather than misread. */
function afterOf(cursor: string | undefined, sort: OrderSort): OrderKeyset | undefined {
  const key = decodeCursor(cursor, ['text', ['timestamp', 'bigint'], 'uuid']);
  if (!key) return undefined;
  const [cursorSort, value, id] = key;
  if (cursorSort !== sort || !validSortKey(sort, value) || typeof id !== 'string' || !isUuid(id)) {
    throw new AppError('invalid_cursor', 'the cursor is not one this list gave out for this sort; start again without a cursor');
  }
  return { key: value, id };
}

export function registerOrderSearchRoutes(app: App, { db }: OrderDeps): void {
  app.get('/orders', {
    config: { permission: 'order:read' },
    schema: {
      tags: ['orders'],
      summary: 'List and search orders',
      description: 'Filters combine with AND. Pages are keysets: follow `next` (it keeps the filters and the sort) until it is null. Searching by a person (`q`, `customer`) needs customer:read; personal data in the answer is shown as the caller\'s role may see it (docs/access.md).',
      querystring: OrderListQuery,
      response: { 200: Page(OrderView), 404: unknownRefResponse('channel, SKU or location') },
    },
  }, async (request) => {
    const query = request.query;
    const { limit = 50, sort = '-placedAt', channel, sku, location } = query;
    // Finding orders by a person's name, e-mail or phone, or listing a customer's orders, is reading the customer
    // file: a role that may not read customers could otherwise learn who ordered what one search at a time.
    if ((query.q !== undefined || query.customer !== undefined) && !roleHas(request.principal.role, 'customer:read')) {
      const filter = query.q !== undefined ? 'q (text search in names, e-mails, phones and addresses)' : 'customer';
      throw new AppError('forbidden', `the filter ${filter} needs the permission customer:read, which the role ${request.principal.role} does not have; find an order by externalRef or its id instead`, {
        permission: 'customer:read',
        role: request.principal.role,
      });
    }
    const problems = queryProblems(query);
    if (problems.length > 0) {
      throw new AppError('validation_failed', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { errors: problems });
    }
    const after = afterOf(query.cursor, sort);
    // Codes are resolved on their own (and cached) so that the search statement carries literal ids, which lets the
    // planner use the column statistics; an unknown code is a 404 naming it, as in the other lists.
    const refs = channel !== undefined || sku !== undefined || location !== undefined
      ? await resolveRefs(db, { channel: channel === undefined ? [] : [channel], sku: sku === undefined ? [] : [sku], location: location === undefined ? [] : [location] })
      : undefined;
    const filter: OrderFilter = {
      statuses: query.status,
      channelId: channel === undefined ? undefined : refs?.channel(channel),
      customerId: query.customer,
      skuId: sku === undefined ? undefined : refs?.sku(sku),
      placedFrom: query.placedFrom,
      placedTo: query.placedTo,
      holdReason: query.holdReason,
      locationId: location === undefined ? undefined : refs?.location(location),
      externalRef: query.externalRef,
      totalMin: query.totalMin,
      totalMax: query.totalMax,
      // A phone number is looked for as its national digits: found however it was written, before or after E.164.
      q: query.q === undefined ? undefined : phoneSearchKey(query.q) ?? query.q,
    };
    const keys = await searchOrderKeys(db, filter, sort, after, limit + 1);
    const { data, next } = page(request, keys, limit, (last) => [sort, last.key, last.id]);
    const level = personalDataOf(request);
    return { data: (await loadOrders(db, data.map((k) => k.id))).map((o) => redactOrder(o, level)), next };
  });
}
