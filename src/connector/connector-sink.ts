/**
 * The relay's connectors sink: what leaves Ordo for the channels. The relay hands it
 *
 * - `inventory.availability_changed`, coalesced per (channel, SKU) — one pending delivery that moves only to a
 *   newer version — so a channel gets the latest number once, not every step; pushed as Shopify's
 *   `inventory_levels/set` or to a mapping connector's `stockPushUrl`. The last pushed version is kept, and an event
 *   not newer than it is skipped: never an older number after a newer one.
 * - `order.shipment_created`: a Shopify fulfilment with the carrier and tracking number.
 *
 * A failed call (the channel down, a 429) is answered `delivered: false`: the relay tries again with backoff, and
 * meanwhile a newer number replaces the one waiting. Every push is logged in the connector's log.
 */
import { createHmac } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { EventEnvelope, LocalSink } from '../integration/index.js';
import { channelLinesOf, findConnector, findOrderChannel, lastPushedVersion, orderLineSkus, recordPush, writeLog, type LogEntry } from './connector.repository.js';
import type { MappingSettings, ShopifySettings } from './connector.js';
import { openSecrets } from './secret-box.js';
import { createFulfillment, setInventoryLevel, type PushOutcome, type ShopifyShop } from './shopify.js';

export interface ConnectorSinkOptions {
  secretKey: Buffer | null;
  timeoutMs: number;
}

type Outcome = { delivered: boolean; error: string | null };
const done: Outcome = { delivered: true, error: null };

export function connectorSink(db: Db, opts: ConnectorSinkOptions): LocalSink {
  const log = (entry: LogEntry) => writeLog(db, [entry]);
  const secretsOf = (box: Buffer | null): Record<string, string> => (box && opts.secretKey ? openSecrets(opts.secretKey, box) : {});
  const shopOf = (settings: ShopifySettings, secrets: Record<string, string>): ShopifyShop | null => (secrets.accessToken
    ? { shopUrl: settings.shopUrl, apiVersion: settings.apiVersion ?? '2024-10', accessToken: secrets.accessToken, timeoutMs: opts.timeoutMs }
    : null);

  async function settle(entry: Omit<LogEntry, 'outcome' | 'statusCode' | 'message'>, r: PushOutcome): Promise<Outcome> {
    await log({ ...entry, outcome: r.ok ? 'ok' : 'failed', statusCode: r.statusCode, message: r.error });
    return r.ok ? done : { delivered: false, error: r.error };
  }

  async function pushAvailability(event: EventEnvelope): Promise<Outcome> {
    const data = event.data as { channelId: string; channel: string; skuId: string; sku: string; available: number };
    const connector = await findConnector(db, data.channelId);
    if (!connector?.active) return done;
    const last = await lastPushedVersion(db, data.channelId, data.skuId);
    if (last !== null && last >= event.aggregateVersion) return done; // a newer number went out already
    const lagMs = Date.now() - Date.parse(event.occurredAt);
    const entry = { channelId: data.channelId, direction: 'outbound' as const, topic: 'stock', externalRef: data.sku, lagMs, details: { available: data.available, version: event.aggregateVersion } };
    let r: PushOutcome;
    if (connector.kind === 'shopify') {
      const settings = connector.settings as ShopifySettings;
      const item = settings.inventoryItems?.[data.sku];
      if (!settings.locationId || settings.pushStock === false || !item) return done;
      const shop = shopOf(settings, secretsOf(connector.secrets));
      if (!shop) return { delivered: false, error: 'the Shopify connector has no accessToken' };
      r = await setInventoryLevel(shop, { locationId: settings.locationId, inventoryItemId: item, available: data.available });
    } else if (connector.kind === 'mapping') {
      const settings = connector.settings as MappingSettings;
      if (!settings.stockPushUrl) return done;
      r = await postSigned(settings.stockPushUrl, { sku: data.sku, available: data.available, version: event.aggregateVersion, at: event.occurredAt },
        secretsOf(connector.secrets).signingSecret, settings, opts.timeoutMs);
    } else {
      return done;
    }
    if (r.ok) await recordPush(db, { channelId: data.channelId, skuId: data.skuId, version: event.aggregateVersion, available: data.available });
    return settle(entry, r);
  }

  async function pushShipment(event: EventEnvelope): Promise<Outcome> {
    const data = event.data as { orderId: string; carrier: string | null; trackingNumber: string | null; lines: { lineId: string; quantity: number }[] };
    const order = await findOrderChannel(db, data.orderId);
    if (!order) return done;
    const connector = await findConnector(db, order.channelId);
    if (!connector?.active || connector.kind !== 'shopify') return done;
    const settings = connector.settings as ShopifySettings;
    if (settings.pushFulfillments === false) return done;
    const shop = shopOf(settings, secretsOf(connector.secrets));
    if (!shop) return { delivered: false, error: 'the Shopify connector has no accessToken' };
    const [channelLines, skus] = await Promise.all([channelLinesOf(db, data.orderId), orderLineSkus(db, data.lines.map((l) => l.lineId))]);
    const lineItems = data.lines.flatMap((l) => {
      const id = channelLines[skus.get(l.lineId) ?? ''];
      return id ? [{ id, quantity: l.quantity }] : [];
    });
    const r = await createFulfillment(shop, {
      orderId: order.externalRef, locationId: settings.locationId ?? null, trackingNumber: data.trackingNumber, trackingCompany: data.carrier,
      lineItems: lineItems.length === data.lines.length ? lineItems : [],
    });
    return settle({ channelId: order.channelId, direction: 'outbound', topic: 'fulfillment', externalRef: order.externalRef, orderId: data.orderId,
      lagMs: Date.now() - Date.parse(event.occurredAt), details: { trackingNumber: data.trackingNumber, carrier: data.carrier } }, r);
  }

  return {
    async deliver(event) {
      if (event.type === 'inventory.availability_changed') return pushAvailability(event);
      if (event.type === 'order.shipment_created') return pushShipment(event);
      return done;
    },
  };
}

async function postSigned(url: string, body: unknown, secret: string | undefined, settings: MappingSettings, timeoutMs: number): Promise<PushOutcome> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret) headers[(settings.signatureHeader ?? 'X-Signature').toLowerCase()] = createHmac('sha256', secret).update(text).digest(settings.signatureEncoding ?? 'hex');
  try {
    const res = await fetch(url, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(timeoutMs) });
    const reply = await res.text().catch(() => '');
    return res.ok ? { ok: true, statusCode: res.status, error: null } : { ok: false, statusCode: res.status, error: `${res.status} ${reply.slice(0, 200)}` };
  } catch (e) {
    return { ok: false, statusCode: null, error: e instanceof Error ? e.message : String(e) };
  }
}
