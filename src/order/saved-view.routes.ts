/** /v1/saved-views: the caller's own named filters of a list (the orders list). */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.js';
import { problemResponse } from '../http/openapi.js';
import { Id, IdParams, IfMatch, expectedVersion } from '../http/schemas.js';
import type { OrderDeps } from './routes.js';
import { SavedView, SavedViewInput, SavedViewPatch, savedViewLists, type ViewOwner } from './saved-view.js';
import { listSavedViews, toSavedView } from './saved-view.repository.js';
import { changeSavedView, createSavedView, removeSavedView } from './save-view.js';

const tags = ['saved views'];
const ownerOf = (request: FastifyRequest): ViewOwner => ({ id: request.principal.id, kind: request.principal.kind === 'user' ? 'user' : 'api_key' });
const nameTaken = problemResponse('You already have a view of this name of this list (`already_exists`), or If-Match is stale (`version_conflict`)');

export function registerSavedViewRoutes(app: App, { db, run }: OrderDeps): void {
  app.get('/saved-views', {
    config: { permission: 'order:read' },
    schema: {
      tags,
      summary: 'Your saved views of a list, by name (each user or key sees only its own)',
      querystring: Type.Object({ list: Type.Enum(savedViewLists, { default: 'orders' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(SavedView) }) },
    },
  }, async (request) => ({ data: (await listSavedViews(db, ownerOf(request), request.query.list)).map(toSavedView) }));

  app.post('/saved-views', {
    config: { permission: 'view:write' },
    schema: { tags, summary: 'Save a view: a name and the list\'s filters', body: SavedViewInput, response: { 201: SavedView, 409: nameTaken } },
  }, (request, reply) => run(request, reply, (trx) => createSavedView(trx, ownerOf(request), request.body)));

  app.patch('/saved-views/:id', {
    config: { permission: 'view:write' },
    schema: { tags, summary: 'Rename a view of yours or change its filters', params: IdParams, headers: IfMatch, body: SavedViewPatch, response: { 200: SavedView, 409: nameTaken } },
  }, (request, reply) => run(request, reply, (trx) => changeSavedView(trx, ownerOf(request), request.params.id, request.body, expectedVersion(request.headers))));

  app.delete('/saved-views/:id', {
    config: { permission: 'view:write' },
    schema: { tags, summary: 'Delete a view of yours', params: IdParams, response: { 200: Type.Object({ id: Id }) } },
  }, (request, reply) => run(request, reply, (trx) => removeSavedView(trx, ownerOf(request), request.params.id)));
}
