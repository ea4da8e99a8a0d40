/**
 * `GET /v1/events/stream`: server-sent events for the admin UI. Each event is the envelope of docs/events.md; the SSE
 * `id` is a place in the relay's order (`tx.id`, ADR 0010): a client that reconnects with `Last-Event-ID` gets
 * everything after it (what is behind a place never changes, so nothing is skipped; an event may come twice). Without
 * it, the stream starts now. The caller sees only the events of what its role may read. An event appears once every
 * transaction that started before it was written has ended (the relay's sinks read it then too).
 */
import { Type } from 'typebox';
import { roleHas, type Permission } from '../access/index.js';
import type { Db } from '../db/database.js';
import type { App } from '../http/app.js';
import { eventCatalog, eventTypes, toEnvelope } from './event.js';
import { eventsAfter, streamStart } from './event-stream.repository.js';
import { formatKey, keyPattern, parseKey, type RelayKey } from './relay-order.js';

/** Which read permission shows a module's events. */
const readPermissionOf: Record<string, Permission> = {
  order: 'order:read', inventory: 'inventory:read', integration: 'webhook:read',
  // A location's queue and an order's parcels move with these (the admin UI's fulfilment screens and order page).
  fulfillment: 'fulfillment:read', shipment: 'fulfillment:read',
};

export function registerEventStreamRoutes(app: App, { db, maxMs, pollMs = 200, heartbeatMs = 15_000 }: { db: Db; maxMs: number; pollMs?: number; heartbeatMs?: number }): void {
  app.get('/events/stream', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['events'],
      summary: 'Live events (server-sent events), resumable with Last-Event-ID, limited to what the caller may read',
      headers: Type.Object({
        'last-event-id': Type.Optional(Type.String({
          pattern: `${keyPattern}|^[0-9]{1,15}$`,
          description: 'The last `id` received (`tx.id`): the stream resumes after it. A bare number (a position, before ADR 0010) starts the stream now.',
        })),
      }),
      response: { 200: Type.String({ description: '`text/event-stream`: `id:` a place in the relay\'s order to resume after, `event:` the type, `data:` the event envelope (docs/events.md).' }) },
    },
  }, async (request, reply) => {
    const role = request.principal.role;
    const types = eventTypes.filter((type) => {
      const permission = readPermissionOf[type.split('.')[0]!];
      return permission !== undefined && eventCatalog[type] !== undefined && roleHas(role, permission);
    });
    const given = request.headers['last-event-id'];
    let at: RelayKey = (given === undefined ? null : parseKey(given)) ?? await streamStart(db);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': request.id });
    // After maxMs the stream ends; `retry` tells EventSource to come back after 1 s with Last-Event-ID. The `id` of
    // the starting place is that Last-Event-ID even when no event came: an event written while the client
    // reconnects is not skipped (EventSource keeps an id from a block without data).
    out.write(`retry: 1000\nid: ${formatKey(at)}\n\n`);
    const endAt = Date.now() + maxMs;
    let open = true;
    request.raw.on('close', () => { open = false; });
    let quietSince = Date.now();
    let limit = 500;
    while (open && Date.now() < endAt) {
      try {
        const read = await eventsAfter(db, at, types, limit);
        read.events.forEach((e, i) => {
          const id = read.keys ? `id: ${formatKey(read.keys[i]!)}\n` : '';
          out.write(`${id}event: ${e.type}\ndata: ${JSON.stringify(toEnvelope(e))}\n\n`);
        });
        const moved = formatKey(read.upTo) !== formatKey(at);
        if (moved && (read.keys === null || formatKey(read.keys.at(-1) ?? at) !== formatKey(read.upTo))) out.write(`id: ${formatKey(read.upTo)}\n\n`);
        at = read.upTo;
        if (read.events.length > 0) quietSince = Date.now();
        // Stuck at an event whose aggregate's earlier event lies past a full read: read further next time.
        const stuck = read.full && !moved;
        if (read.full && (!stuck || limit < 100_000)) { limit = stuck ? Math.min(limit * 4, 100_000) : 500; continue; }
        limit = 500;
      } catch (err) {
        request.log.error({ err }, 'event stream read failed');
      }
      if (Date.now() - quietSince > heartbeatMs) {
        out.write(': still here\n\n');
        quietSince = Date.now();
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    out.end();
  });
}
