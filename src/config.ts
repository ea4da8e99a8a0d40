/**
 * The only reader of process.env. Every setting is parsed and checked here, at start, and a bad value is reported
 * as one clear line naming the variable, so a misconfigured server never half-starts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface Config {
  /** Where to listen. Loopback by default: exposing the API is a deliberate choice. */
  host: string;
  port: number;
  /** A PostgreSQL server to use; without it, Ordo runs its own embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  dbPoolMax: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty` for a terminal, `json` for log shippers; default: pretty when stdout is a terminal. */
  logFormat: 'json' | 'pretty';
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlHours: number;
  /** How long a verified API key is cached in memory; a revoked key stops working within this time. */
  apiKeyCacheMs: number;
  /** Run the background workers (reservation expiry, cleanups, daily recomputations) in this process. */
  jobs: boolean;
  /** ERP/WMS sync: an absolute on-hand change of at least this many units is held for approval (0 = never). */
  syncHoldUnits: number;
  /** ERP/WMS sync: a change of at least this percent of Ordo's on hand is held for approval (0 = never). */
  syncHoldPercent: number;
  /** NATS with JetStream to publish events to; without it, events go to webhooks and the live stream only. */
  natsUrl: string | undefined;
  /** The JetStream stream events are published to (created when missing), and the first token of their subjects (`ordo.order.received`). */
  natsStream: string;
  natsSubjectPrefix: string;
  /** Relay the outbox (webhooks, NATS) in this process. */
  relay: boolean;
  /** How long a webhook endpoint has to answer (the Standard Webhooks advice: 15 s). */
  webhookTimeoutMs: number;
  /** Webhooks to private and loopback addresses: off in production (SSRF), on for tests and local development. */
  webhookAllowPrivateAddresses: boolean;
  /** How long relayed events and settled deliveries (the delivery log) are kept. */
  eventRetentionHours: number;
  /** A pickup order not collected this many days after it was ready is cancelled and its stock released. */
  pickupExpiryDays: number;
  /** A delivered order completes by itself this many days after delivery. */
  orderCompleteAfterDays: number;
  /** A live stream ends after this long; the client reconnects with Last-Event-ID (what EventSource does by itself). */
  eventStreamMaxMs: number;
  /** SMTP server for notification e-mails (smtp://user:password@host:587, smtps://…); without it, notifications are logged as not sent. */
  smtpUrl: string | undefined;
  /** The From address of notification e-mails. */
  mailFrom: string;
  /** Where customers reach the tracking page: links in e-mails are `{publicUrl}/track/{token}`. Default: http://HOST:PORT. */
  publicUrl: string;
  /** Team notifications (an order held, a webhook endpoint disabled). */
  notifyTeamEmail: string | null;
  /** Low-stock alerts go to the purchasing contact. */
  notifyPurchasingEmail: string | null;
  /** The language team notifications are written in. */
  notifyTeamLanguage: 'en' | 'zh-CN';
  /**
   * The 32-byte key connector secrets (app secrets, access tokens) are encrypted with (AES-256-GCM), given as 64 hex
   * digits or 44 characters of base64. Without it, connectors work but refuse to store secrets.
   */
  connectorSecretKey: Buffer | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, opts: { loadDotEnv?: boolean } = {}): Config {
  if (opts.loadDotEnv !== false && env === process.env && existsSync('.env')) {
    // Variables already set in the environment win over the file (Node's own loader behaves that way).
    process.loadEnvFile('.env');
  }
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };

  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  if (databaseUrl !== undefined) {
    try {
      const url = new URL(databaseUrl);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        problems.push(`DATABASE_URL: expected a postgres:// or postgresql:// URL, got ${url.protocol}`);
      }
    } catch {
      problems.push('DATABASE_URL: not a URL (expected postgres://user:password@host:port/database)');
    }
  }

  const secretKey = (name: string): Buffer | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return null;
    const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(raw) ? Buffer.from(raw, 'base64') : null;
    if (!key || key.length !== 32) {
      problems.push(`${name}: expected 32 random bytes as 64 hex digits or 44 characters of base64 (make one with: openssl rand -hex 32)`);
      return null;
    }
    return key;
  };

  const config: Config = {
    host: env.HOST || '127.0.0.1',
    port: int('PORT', 3000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.ORDO_DATA_DIR || './data'),
    // Few connections per core: on 2 cores, 4-8 connections served 32 clients' captures faster than 40 did (more
    // throughput, a third lower p99; docs/benchmarks.md), because backends beyond the cores only queue on locks and CPU.
    dbPoolMax: int('DB_POOL_MAX', 8, 1, 1000),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    logFormat: oneOf('LOG_FORMAT', ['json', 'pretty'], process.stdout.isTTY ? 'pretty' : 'json'),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 4 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    idempotencyTtlHours: int('IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 30),
    apiKeyCacheMs: int('API_KEY_CACHE_MS', 5_000, 0, 600_000),
    jobs: oneOf('JOBS', ['on', 'off'], 'on') === 'on',
    syncHoldUnits: int('SYNC_HOLD_UNITS', 100, 0, 1_000_000_000),
    syncHoldPercent: int('SYNC_HOLD_PERCENT', 50, 0, 100_000),
    natsUrl: env.NATS_URL || undefined,
    natsStream: env.NATS_STREAM || 'ORDO',
    natsSubjectPrefix: env.NATS_SUBJECT_PREFIX || 'ordo',
    relay: oneOf('RELAY', ['on', 'off'], 'on') === 'on',
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
    webhookAllowPrivateAddresses: oneOf('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', ['on', 'off'], 'off') === 'on',
    eventRetentionHours: int('EVENT_RETENTION_HOURS', 24 * 7, 1, 24 * 365),
    pickupExpiryDays: int('PICKUP_EXPIRY_DAYS', 7, 1, 365),
    orderCompleteAfterDays: int('ORDER_COMPLETE_AFTER_DAYS', 14, 0, 3650),
    eventStreamMaxMs: int('EVENT_STREAM_MAX_MS', 5 * 60_000, 100, 24 * 3_600_000),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'Ordo <no-reply@localhost>',
    publicUrl: env.PUBLIC_URL || `http://${env.HOST || '127.0.0.1'}:${env.PORT || '3000'}`,
    notifyTeamEmail: env.NOTIFY_TEAM_EMAIL || null,
    notifyPurchasingEmail: env.NOTIFY_PURCHASING_EMAIL || null,
    notifyTeamLanguage: oneOf('NOTIFY_TEAM_LANGUAGE', ['en', 'zh-CN'], 'en'),
    connectorSecretKey: secretKey('CONNECTOR_SECRET_KEY'),
  };
  if (config.smtpUrl !== undefined && !/^smtps?:\/\/[^/]/.test(config.smtpUrl)) problems.push('SMTP_URL: expected smtp://user:password@host:port or smtps://…');
  if (!/^https?:\/\/[^/]/.test(config.publicUrl)) problems.push(`PUBLIC_URL=${JSON.stringify(config.publicUrl)}: expected an http:// or https:// URL`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(config.natsStream)) problems.push(`NATS_STREAM=${JSON.stringify(config.natsStream)}: expected letters, digits, _ or - (at most 64)`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(config.natsSubjectPrefix)) problems.push(`NATS_SUBJECT_PREFIX=${JSON.stringify(config.natsSubjectPrefix)}: expected subject tokens (letters, digits, _ or -) joined by dots`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
