/**
 * One webhook delivery: a POST of the event envelope, signed as the Standard Webhooks specification says
 * (`webhook-id` = the event id, `webhook-timestamp`, `webhook-signature` with one signature per live secret), with a
 * timeout, no redirect followed, and no private or loopback address unless the setting allows it (checked on the
 * address the name resolves to, at connection time, so a DNS answer cannot point a public name inside).
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import type { EventEnvelope } from './event.js';

export interface WebhookOptions {
  timeoutMs: number;
  /** Tests and local development deliver to 127.0.0.1; production must not (SSRF into the private network). */
  allowPrivateAddresses: boolean;
}

export interface WebhookResult {
  delivered: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/** A unicast public address; loopback, private, link-local, unique-local, carrier-grade NAT and the like are not. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

const guardedLookup = (allowPrivate: boolean): LookupFunction => (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const allowed = addresses.filter((a) => allowPrivate || isPublicAddress(a.address));
    if (allowed.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to a private or loopback address (${addresses.map((a) => a.address).join(', ')}), which webhooks may not reach`), { code: 'EPRIVATE' }), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    return callback(null, allowed[0]!.address, allowed[0]!.family);
  });
};

/**
 * Connections are kept alive per endpoint (up to 8 each), by undici: a delivery cost about half the client CPU it did
 * through node:http. Each new connection is checked by the guarded lookup when it connects. One agent per setting.
 */
const agents = new Map<string, Agent>();
function agentFor(opts: WebhookOptions): Agent {
  const key = `${opts.allowPrivateAddresses}:${opts.timeoutMs}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({
      connections: 8, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs,
      connect: { lookup: guardedLookup(opts.allowPrivateAddresses), timeout: opts.timeoutMs },
    });
    agents.set(key, agent);
  }
  return agent;
}

const timeouts = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A secret's key: the base64 after `whsec_` (Standard Webhooks), decoded once per secret rather than per delivery. */
const keys = new Map<string, Buffer>();
function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    if (keys.size > 1_000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/**
 * The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with each secret's key, as
 * the Standard Webhooks specification says (node:crypto; the `standardwebhooks` package's pure-JavaScript SHA-256
 * cost four times as much CPU per delivery). The tests verify it with that package.
 */
export function signature(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(signed).digest('base64')}`).join(' ');
}

/** Parsed endpoint URLs: an endpoint gets many deliveries. */
const targets = new Map<string, URL>();
function targetOf(url: string): URL {
  let target = targets.get(url);
  if (!target) {
    target = new URL(url);
    if (targets.size > 1_000) targets.clear();
    targets.set(url, target);
  }
  return target;
}

export async function sendWebhook(url: string, secrets: readonly string[], event: EventEnvelope, opts: WebhookOptions): Promise<WebhookResult> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  const signed = signature(secrets, event.id, timestamp, body);
  const target = targetOf(url);
  const started = performance.now();
  const done = (r: Omit<WebhookResult, 'latencyMs'>): WebhookResult => ({ ...r, latencyMs: Math.round(performance.now() - started) });
  // A literal IP address skips the lookup: check it here.
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && !opts.allowPrivateAddresses && !isPublicAddress(host)) {
    return done({ delivered: false, statusCode: null, error: `${host} is a private or loopback address, which webhooks may not reach`, responseExcerpt: null });
  }
  try {
    // A redirect is not followed (undici follows none unless told): the endpoint must give its final URL.
    const response = await agentFor(opts).request({
      origin: target.origin, path: `${target.pathname}${target.search}`, method: 'POST', body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Ordo-Webhooks/1',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signed,
      },
    });
    // The first 1 KiB is kept for the log; the rest is read and dropped, so the connection can be used again.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (size < 1024) chunks.push(chunk);
      size += chunk.length;
    }
    const status = response.statusCode;
    const excerpt = size === 0 ? null : Buffer.concat(chunks).toString('utf8').slice(0, 500) || null;
    const ok = status >= 200 && status < 300;
    const location = response.headers.location;
    const error = ok ? null : status >= 300 && status < 400 ? `redirect to ${String(location ?? '?')} not followed` : `HTTP ${status}`;
    return done({ delivered: ok, statusCode: status, error, responseExcerpt: excerpt });
  } catch (e) {
    const err = e as Error & { code?: string; cause?: Error };
    const message = err.code && timeouts.has(err.code) ? `no answer within ${opts.timeoutMs} ms` : err.message;
    return done({ delivered: false, statusCode: null, error: message, responseExcerpt: null });
  }
}
