import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Db } from '../db/database.js';
import { pendingMigrations } from '../db/migrate.js';
import type { App } from './app.js';
import { sendProblem } from './problem.js';

export function registerHealthRoutes(app: App, db: Db, metrics: { contentType: string; metrics(): Promise<string> }): void {
  const Status = Type.Object({ status: Type.String() });

  app.get('/health', {
    config: { public: true },
    schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Status } },
  }, () => ({ status: 'ok' }));

  // Once the schema is up to date it stays so for this process (migrations only move forward).
  let migrated = false;
  app.get('/ready', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      summary: 'The database is reachable and every migration is applied',
      response: { 200: Status },
    },
  }, async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(db);
      if (!migrated) {
        const pending = await pendingMigrations(db);
        if (pending.length > 0) return sendProblem(reply, 'not_ready', `migrations not applied yet: ${pending.join(', ')}`);
        migrated = true;
      }
      return { status: 'ready' };
    } catch (e) {
      return sendProblem(reply, 'not_ready', `the database is not reachable: ${(e as Error).message}`);
    }
  });

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });
}
