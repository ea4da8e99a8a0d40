import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, IfMatch, ListQuery, Page, expectedVersion } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { Channel, ChannelInput, ChannelPatch, ChannelType } from './channel.js';
import { findChannel, listChannels, toChannel } from './channel.repository.js';
import { changeChannel, createChannel } from './save-channel.js';

const tags = ['channels'];

export function registerChannelRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  app.post('/channels', {
    config: { permission: 'channel:write' },
    schema: { tags, summary: 'Create a sales channel', body: ChannelInput, response: { 201: Channel } },
  }, (request, reply) => run(request, reply, (trx) => createChannel(trx, request.body)));

  app.get('/channels', {
    config: { permission: 'channel:read' },
    schema: {
      tags,
      summary: 'List sales channels',
      querystring: Type.Object({ ...ListQuery, type: Type.Optional(ChannelType), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Page(Channel) },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['text']);
    const rows = await listChannels(db, { ...filter, afterCode: after?.[0], limit: limit + 1 });
    return page(request, rows.map(toChannel), limit, (last) => [last.code]);
  });

  app.get('/channels/:id', {
    config: { permission: 'channel:read' },
    schema: { tags, summary: 'Get a sales channel', params: IdParams, response: { 200: Channel } },
  }, async (request) => {
    const row = await findChannel(db, request.params.id);
    if (!row) throw notFound('channel', request.params.id);
    return toChannel(row);
  });

  app.patch('/channels/:id', {
    config: { permission: 'channel:write' },
    schema: { tags, summary: 'Change a sales channel', params: IdParams, headers: IfMatch, body: ChannelPatch, response: { 200: Channel } },
  }, (request, reply) => run(request, reply, (trx) => changeChannel(trx, request.params.id, request.body, expectedVersion(request.headers))));
}
