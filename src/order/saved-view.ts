/**
 * Saved views: a person's named filters of the orders list, so a daily question ("held orders of the web shop",
 * "today's orders from store SH01") is one click. Each user (or API key) sees only its own.
 */
import { Type, type Static } from 'typebox';
import { Id, Timestamp } from '../http/schemas.js';
import { orderListFilters } from './order-list-query.js';

export const savedViewLists = ['orders'] as const;

const ViewName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Unique among the caller\'s views of the list' });
const ViewFilters = Type.Object(orderListFilters, {
  additionalProperties: false,
  description: 'The query of GET /v1/orders, as JSON (status an array; totals as integers); cursor and limit are not kept',
});

export const SavedViewInput = Type.Object({
  list: Type.Enum(savedViewLists, { description: 'The list the view filters (only `orders` today)' }),
  name: ViewName,
  filters: ViewFilters,
}, { additionalProperties: false });
export type SavedViewInput = Static<typeof SavedViewInput>;

export const SavedViewPatch = Type.Object({ name: Type.Optional(ViewName), filters: Type.Optional(ViewFilters) }, { additionalProperties: false, minProperties: 1 });
export type SavedViewPatch = Static<typeof SavedViewPatch>;

export const SavedView = Type.Object({
  id: Id,
  list: Type.Enum(savedViewLists),
  name: Type.String(),
  filters: ViewFilters,
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type SavedView = Static<typeof SavedView>;

/** Whose views: a signed-in user's, or an API key's. */
export interface ViewOwner {
  id: string;
  kind: 'user' | 'api_key';
}
