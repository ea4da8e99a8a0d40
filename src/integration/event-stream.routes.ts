/**
 * `GET /v1/events/stream`: server-sent events for the admin UI. Each event is the envelope of docs/events.md with the
 * relay's position as its SSE `id`; a client that reconnects with `Last-Event-ID` gets everything after it (positions
 * commit in order, so nothing is skipped). Without it, the stream starts now. The caller sees only the events of what
 * its role may read. The stream follows the relay: an event appears once a server's relay has dispatched it.
 */
import { Type } from 'typebox';
import { roleHas, type Permission } from '../access/index.js';
import type { Db } from '../db/database.js';
import type { App } from '../http/app.js';
import { eventCatalog, eventTypes, toEnvelope } from './event.js';
import { eventsAfter, lastPosition } from './event-stream.repository.js';

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
        'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'The `id` of the last event received: the stream resumes after it.' })),
      }),
      response: { 200: Type.String({ description: '`text/event-stream`: `id:` the position, `event:` the type, `data:` the event envelope (docs/events.md).' }) },
    },
  }, async (request, reply) => {
    const role = request.principal.role;
    const types = eventTypes.filter((type) => {
      const permission = readPermissionOf[type.split('.')[0]!];
      return permission !== undefined && eventCatalog[type] !== undefined && roleHas(role, permission);
    });
    const given = request.headers['last-event-id'];
    let position = given === undefined ? await lastPosition(db) : Number(given);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': request.id });
    // After maxMs the stream ends; `retry` tells EventSource to come back after 1 s with Last-Event-ID. The `id` of
    // the starting position is that Last-Event-ID even when no event came: an event relayed while the client
    // reconnects is not skipped (EventSource keeps an id from a block without data).
    out.write(`retry: 1000\nid: ${position}\n\n`);
    const endAt = Date.now() + maxMs;
    let open = true;
    request.raw.on('close', () => { open = false; });
    let quietSince = Date.now();
    while (open && Date.now() < endAt) {
      try {
        const events = await eventsAfter(db, position, types, 500);
        for (const e of events) {
          out.write(`id: ${e.position}\nevent: ${e.type}\ndata: ${JSON.stringify(toEnvelope(e))}\n\n`);
          position = e.position;
        }
        if (events.length > 0) quietSince = Date.now();
        if (events.length === 500) continue;
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
