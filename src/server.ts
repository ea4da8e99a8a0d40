/**
 * `ordo serve`: find or start the database, migrate, build the app, listen, and shut down cleanly on a signal.
 * `ordo relay`: the outbox relay alone, for API servers run with RELAY=off.
 */
import type { Logger } from 'pino';
import type { Db } from './db/database.js';
import { bootstrapAdminKey } from './access/index.js';
import { buildApp, type App } from './app.js';
import type { Config } from './config.js';
import { locateDatabase } from './db/connect.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { startJobs } from './jobs/jobs.js';
import { natsSink, startRelay, upsertSink } from './integration/index.js';
import { connectorSink } from './connector/index.js';
import { notificationSink, notifiedEventTypes, smtpMailer } from './notification/index.js';

export interface RunningServer {
  app: App;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const pgLog = logger.child({ component: 'postgres' });
  const location = await locateDatabase(config, {
    log: (line) => pgLog.debug(line),
    notice: (line) => logger.warn({ dataDir: config.dataDir }, line),
    shareWithRunningServer: false,
  });
  if (location.embedded) logger.info({ dataDir: config.dataDir }, 'started embedded PostgreSQL');
  const database = createDatabase(location.url, { poolMax: config.dbPoolMax });
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    const adminKey = await database.db.transaction().execute(bootstrapAdminKey);
    if (adminKey) announceAdminKey(adminKey);

    const app = await buildApp({ db: database.db, pool: database.pool, batchDb: database.batchDb, batchPool: database.batchPool, config, logger });
    const jobs = config.jobs
      ? await startJobs({ db: database.db, captureBatched: app.captureBatched, databaseUrl: location.url, logger: logger.child({ component: 'jobs' }), idempotencyTtlHours: config.idempotencyTtlHours, eventRetentionHours: config.eventRetentionHours, pickupExpiryDays: config.pickupExpiryDays, orderCompleteAfterDays: config.orderCompleteAfterDays, connectorSecretKey: config.connectorSecretKey })
      : undefined;
    // Catch up at once on reservations that expired while no server ran.
    await jobs?.boss.send('reservations.expire', {});
    // Registered even with RELAY=off: events are kept for these sinks until a relay (`ordo relay`) delivers them.
    await registerRelaySinks(database.db, config);
    const relay = config.relay ? startOutboxRelay(database.db, config, logger.child({ component: 'relay' })) : undefined;
    const url = await app.listen({ host: config.host, port: config.port });
    return {
      app,
      url,
      async stop() {
        // Requests in flight finish first; only then do the jobs and the database go away.
        await closeApp(app);
        await relay?.stop();
        await jobs?.stop();
        await closeDatabase(database, location);
      },
    };
  } catch (e) {
    await closeDatabase(database, location).catch(() => undefined);
    throw e;
  }
}

/** The connections first, then the embedded PostgreSQL (if this process started it). */
async function closeDatabase(database: { close(): Promise<void> }, location: { stop(): Promise<void> }): Promise<void> {
  try {
    await database.close();
  } finally {
    await location.stop();
  }
}

/** The sinks the configuration implies, registered by every server and relay at start (idempotent). */
export async function registerRelaySinks(db: Db, config: Config): Promise<void> {
  // With NATS_URL, NATS is a sink: from now on every event is kept for it until published.
  if (config.natsUrl) await upsertSink(db, { sink: 'nats', kind: 'nats', eventTypes: ['*'] });
  // Notifications are a sink too: always logged, e-mailed when SMTP_URL is set.
  await upsertSink(db, { sink: 'notifications', kind: 'notifications', eventTypes: notifiedEventTypes });
}

/**
 * The outbox relay with every sink the configuration gives: NATS (when NATS_URL is set), notifications, the channels'
 * connectors, and webhooks. Run by `ordo serve` (RELAY=on) and by `ordo relay`.
 */
export function startOutboxRelay(db: Db, config: Config, logger: Logger): { stop(): Promise<void> } {
  const nats = config.natsUrl ? natsSink(config.natsUrl, { stream: config.natsStream, subjectPrefix: config.natsSubjectPrefix }) : null;
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : null;
  const notifications = notificationSink(db, mailer, {
    publicUrl: config.publicUrl, teamEmail: config.notifyTeamEmail, purchasingEmail: config.notifyPurchasingEmail, teamLanguage: config.notifyTeamLanguage,
  });
  const relay = startRelay({
    db, logger, nats, notifications,
    // Stock and parcel pushes to the channels' connectors (the sink is registered when a connector that pushes is saved).
    connectors: connectorSink(db, { secretKey: config.connectorSecretKey, timeoutMs: config.webhookTimeoutMs }),
    webhook: { timeoutMs: config.webhookTimeoutMs, allowPrivateAddresses: config.webhookAllowPrivateAddresses },
  });
  return {
    async stop() {
      await relay.stop();
      await nats?.close();
      mailer?.close();
    },
  };
}

/**
 * `ordo relay`: only the relay, on the configured database (the embedded one of a server on the same ORDO_DATA_DIR is
 * shared), NATS and webhook settings; no HTTP, no jobs. For a busy API server run with RELAY=off, so that delivery
 * takes nothing from its event loop. Several relays (and servers with RELAY=on) may run at once: sinks are leased.
 */
export async function startRelayProcess(config: Config, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const location = await locateDatabase(config, {
    log: (line) => logger.child({ component: 'postgres' }).debug(line),
    notice: (line) => logger.warn({ dataDir: config.dataDir }, line),
    shareWithRunningServer: true,
  });
  // A few connections: a round is a handful of statements per sink.
  const database = createDatabase(location.url, { poolMax: Math.min(config.dbPoolMax, 4), applicationName: 'ordo-relay' });
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    await registerRelaySinks(database.db, config);
    const relay = startOutboxRelay(database.db, config, logger);
    return {
      async stop() {
        await relay.stop();
        await closeDatabase(database, location);
      },
    };
  } catch (e) {
    await closeDatabase(database, location).catch(() => undefined);
    throw e;
  }
}

/**
 * Stops the HTTP side: Fastify stops accepting connections, answers 503 to new requests on open ones, and waits for
 * the requests in flight. A keep-alive connection whose request finishes during the wait becomes idle and is closed
 * then, so a client's connection pool cannot hold shutdown open.
 */
export async function closeApp(app: App): Promise<void> {
  const closing = app.close();
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  try {
    await closing;
  } finally {
    clearInterval(sweep);
  }
}

function announceAdminKey(key: string): void {
  const lines = [
    '',
    '  Ordo made an admin API key for this new database. It is shown this once and stored only as a hash:',
    '',
    `    ${key}`,
    '',
    '  Use it as "Authorization: Bearer <key>", and create keys with fewer rights for daily work (POST /v1/api-keys).',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs the server until SIGINT or SIGTERM, then stops it within `shutdownTimeoutMs`. */
export async function serve(config: Config, logger: Logger): Promise<void> {
  const server = await startServer(config, logger);
  logger.info({ url: server.url, docs: `${server.url}/docs` }, 'Ordo is listening');
  stopOnSignal(server, config, logger);
}

/** Runs the relay alone until SIGINT or SIGTERM, then stops it within `shutdownTimeoutMs`. */
export async function relayOnly(config: Config, logger: Logger): Promise<void> {
  const relay = await startRelayProcess(config, logger);
  logger.info({ nats: config.natsUrl !== undefined, smtp: config.smtpUrl !== undefined }, 'Ordo relay is running');
  stopOnSignal(relay, config, logger);
}

function stopOnSignal(running: { stop(): Promise<void> }, config: Config, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    running.stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exitCode = 0;
      },
      (e: unknown) => {
        logger.error({ err: e }, 'error while shutting down');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
