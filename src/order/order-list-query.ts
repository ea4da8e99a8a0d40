/**
 * The filters of the orders list (GET /v1/orders), one definition for the list's query string and for the saved views
 * that keep them (saved-view.ts).
 */
import { Type, type Static } from 'typebox';
import { ListQuery } from '../http/schemas.js';
import { orderStatuses } from './order-status.js';
import { orderSorts } from './search-orders.js';

export const orderListFilters = {
  status: Type.Optional(Type.Array(Type.Enum(orderStatuses), { maxItems: orderStatuses.length, description: 'Repeat for several: ?status=allocated&status=on_hold' })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Channel code or id' })),
  customer: Type.Optional(Type.String({ format: 'uuid', description: 'Customer id: the customer\'s order history. Needs customer:read (else 403)' })),
  sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'SKU code or id: orders with a line of it' })),
  placedFrom: Type.Optional(Type.String({ format: 'date-time', description: 'Placed at or after (inclusive)' })),
  placedTo: Type.Optional(Type.String({ format: 'date-time', description: 'Placed before (exclusive)' })),
  holdReason: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Orders with an open hold of this reason code' })),
  location: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Location code or id: orders with a line sourced there, or to be picked up there (a location\'s queue: with status=in_fulfillment)' })),
  externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'The channel\'s own order number' })),
  totalMin: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Order total at least (minor units)' })),
  totalMax: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Order total at most (minor units)' })),
  q: Type.Optional(Type.String({ minLength: 3, maxLength: 200, description: 'Text in the customer\'s name, email, phone or the shipping address (3 letters or digits in a row at least). Needs customer:read (else 403): without it, find an order by `externalRef` or open it by id' })),
  sort: Type.Optional(Type.Enum(orderSorts, { default: '-placedAt', description: 'placedAt or total; a leading - for descending. Default -placedAt (newest first)' })),
};

export const OrderListQuery = Type.Object({ ...ListQuery, ...orderListFilters }, { additionalProperties: false });
export type OrderListQuery = Static<typeof OrderListQuery>;
