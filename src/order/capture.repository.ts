/**
 * The two statements of a capture, for one order or a batch of them (src/order/capture-batch.ts):
 *
 * - `readCaptureFacts`: everything the decisions need, read at once (channels, SKUs, customers, rules, stock,
 *   incoming supply, duplicates, Idempotency-Keys answered before), optionally claiming one key first;
 * - `writeCaptures`: the decided orders with their lines, holds, flags, timeline, events, audit rows, stored answers
 *   and stock reservations. `ordo_decide_reservations` (migration 0010) locks the stock rows in key order and decides
 *   in item order which orders still fit in full; only those are written, each all or nothing.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { splitRefs } from '../db/refs.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import { claimSql, RetryCommand, type checkClaim, type IdempotencyClaim } from '../db/command.js';
import { freeSql, movementCtes, movementResult } from '../inventory/index.js';
import { decisionCtes, ruleSetsJson, siteJson, supplyJson, type DecisionWrite, type RuleSetFact, type SiteFact, type StockRow, type SupplyFact } from '../sourcing/index.js';
import type { ReviewRule } from './review.js';
import { rateBookAt, rateCatalogVersionSql, type RateBook } from '../fulfillment/index.js';

type PriorRequest = Parameters<typeof checkClaim>[1]['prior'];

export interface ChannelFacts {
  id: string; code: string; currency: string; active: boolean; allow_backorder: boolean; presale_days: number; order_number_prefix: string;
  /** The delivery promise (carriers and rates): days to hand over, transit days when no rate table applies. */
  handling_days?: number; default_transit_days?: number | null;
}
export interface SkuFacts { id: string; code: string; active: boolean }
export interface CustomerFacts { id: string; blocked: boolean; name: string; email: string | null; phone: string | null }
export interface PickupFacts { id: string; code: string; can_pickup: boolean; active: boolean }
/** Units free at one location for one SKU. A batch lowers `free` as its orders take units. */
/** A stock row the facts statement reads: free units of a batch SKU at an active location (the sourcing engine's row). */
export type StockFact = StockRow;
export interface IncomingFact { locationId: string; code: string; priority: number; skuId: string; free: number; inDays: number }

/** What one capture request needs to know. */
export interface RequestFacts {
  item: number;
  order_seq: number;
  customer: CustomerFacts | null;
  /** The order this channel already sent with this external reference. */
  existing: string | null;
  /** Minutes since this customer's last order of the same items (within a day), for the likely-duplicate rule. */
  minutes_since_identical: number | null;
  /** The Idempotency-Key's row when the key was used before (committed). */
  prior: PriorRequest;
}

/** What every request of a batch shares. */
export interface SharedFacts {
  channels: ChannelFacts[];
  skus: SkuFacts[];
  pickups: PickupFacts[];
  rules: ReviewRule[];
  stock: StockFact[];
  incoming: IncomingFact[];
  /** SKUs under channel allocation rules: their reservations need the allocation check. */
  allocatedSkus: string[];
  /** Where the locations with free stock of the batch's SKUs are, their capacity left and cut-off (sourcing). */
  sites: SiteFact[];
  /** The sourcing rule sets of the batch's channels (a channel without one uses the default). */
  ruleSets: RuleSetFact[];
  /** On hand and recent demand of the batch's SKUs, read only when a batch channel's rule set uses stock_balance. */
  supply?: SupplyFact[] | null;
  /** What the promised delivery date is computed from (plan-capture.ts, `promiseOf`); absent: no promise. */
  promise?: PromiseFacts;
}

/** Carriers and rates: the cached rate book, where locations ship from, and the SKUs' weights and dimensions. */
export interface PromiseFacts {
  book: RateBook;
  shipFrom: { id: string; code: string; region: string | null; country: string | null; state: string | null }[];
  parcels: { id: string; weightGrams: number | null; lengthMm: number | null; widthMm: number | null; heightMm: number | null }[];
}

export interface CaptureFacts {
  /** With a claim: this request owns its key (see checkClaim). */
  claimed: boolean;
  prior: PriorRequest;
  requests: RequestFacts[];
  shared: SharedFacts;
}

/** What `readCaptureFacts` needs of a request. */
export interface FactsQuery {
  channel: string;
  skus: readonly string[];
  pickupLocation: string | null;
  externalRef: string;
  email: string | null;
  phone: string | null;
  signature: string;
  claim: IdempotencyClaim | null;
}


/**
 * The existing customer an order belongs to: by email, else (no email given) by phone, preferring one with an email.
 * Two index lookups whatever plan the statement runs with; used by the read and again by the write (a concurrent
 * capture may have created the customer in between). `email` and `phone` are values or column references.
 */
const customerOf = (email: unknown, phone: unknown, columns: RawBuilder<unknown>) => sql`
  (SELECT ${columns} FROM customers WHERE email = ${email} LIMIT 1)
  UNION ALL
  (SELECT ${columns} FROM customers WHERE ${email}::text IS NULL AND phone = ${phone} ORDER BY email NULLS LAST LIMIT 1)
  LIMIT 1`;

/** One statement for a batch of requests; with `claim` (one request in a transaction), its key is claimed first. */
export async function readCaptureFacts(db: DbOrTrx, queries: readonly FactsQuery[], claim: IdempotencyClaim | null = null): Promise<CaptureFacts> {
  const channels = splitRefs(queries.map((q) => q.channel));
  const skus = splitRefs(queries.flatMap((q) => q.skus));
  const pickups = splitRefs(queries.map((q) => q.pickupLocation));
  const requests = queries.map((q, item) => ({
    item, channel: q.channel, external_ref: q.externalRef, email: q.email, phone: q.phone, signature: q.signature,
    principal_id: q.claim?.principalId ?? null, key: q.claim?.key ?? null,
  }));
  const idempotency = claimSql(claim);
  const result = await sql<Omit<CaptureFacts, 'shared'> & { [K in keyof SharedFacts]: SharedFacts[K] | null }
    & { ratesVersion: string; shipFrom: PromiseFacts['shipFrom'] | null; skuParcels: PromiseFacts['parcels'] | null }>`
    WITH ${idempotency.cte},
    req AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(requests)}::jsonb) AS x(
        item int, channel text, external_ref text, email text, phone text, signature text, principal_id uuid, key text)
    ),
    ch AS (
      SELECT id, code, currency, active, allow_backorder, presale_days, order_number_prefix, handling_days, default_transit_days FROM channels
      WHERE code = ANY(${channels.codes}::text[]) OR id = ANY(${channels.ids}::uuid[])
    ),
    k AS (SELECT id, code, active FROM skus WHERE code = ANY(${skus.codes}::text[]) OR id = ANY(${skus.ids}::uuid[])),
    rq AS (
      SELECT r.item, nextval('order_number_seq') AS order_seq, cu.customer,
        (SELECT o.id FROM orders o
          WHERE o.channel_id = (SELECT ch.id FROM ch WHERE ch.code = r.channel OR ch.id::text = r.channel LIMIT 1)
            AND o.external_ref = r.external_ref) AS existing,
        (SELECT floor(extract(epoch FROM now() - max(o.placed_at)) / 60)::int FROM orders o
          WHERE o.customer_id = cu.id AND o.items_signature = r.signature
            AND o.placed_at > now() - interval '1 day' AND o.status <> 'cancelled') AS minutes_since_identical,
        (SELECT row_to_json(p) FROM (SELECT request_hash, response_status, response_body, method, path FROM idempotency_keys
          WHERE principal_id = r.principal_id AND key = r.key) p) AS prior
      FROM req r
      LEFT JOIN LATERAL (
        SELECT c.id, row_to_json(c) AS customer FROM (${customerOf(sql.ref('r.email'), sql.ref('r.phone'), sql`id, blocked, name, email, phone`)}) c
      ) cu ON true
    )
    SELECT ${idempotency.columns},
      (SELECT json_agg(rq ORDER BY rq.item) FROM rq) AS requests,
      (SELECT json_agg(ch) FROM ch) AS channels,
      (SELECT json_agg(k) FROM k) AS skus,
      (SELECT json_agg(k.id) FROM k WHERE EXISTS (SELECT 1 FROM channel_allocations a WHERE a.sku_id = k.id OR a.sku_id IS NULL)) AS "allocatedSkus",
      (SELECT json_agg(p) FROM (SELECT id, code, can_pickup, active FROM locations
        WHERE code = ANY(${pickups.codes}::text[]) OR id = ANY(${pickups.ids}::uuid[])) p) AS pickups,
      (SELECT json_agg(json_build_object('id', id, 'code', code, 'name', name, 'priority', priority, 'enabled', enabled,
              'condition', condition, 'action', action, 'reasonCode', reason_code)) FROM review_rules WHERE enabled) AS rules,
      (SELECT json_agg(json_build_object('locationId', s.location_id, 'code', l.code, 'priority', l.priority,
              'canShip', l.can_ship, 'canPickup', l.can_pickup, 'skuId', s.sku_id,
              'free', ${freeSql('s')}))
        FROM stock_levels s JOIN locations l ON l.id = s.location_id AND l.active
        WHERE s.sku_id IN (SELECT id FROM k) AND ${freeSql('s')} > 0) AS stock,
      (SELECT json_agg(${siteJson('l')}) FROM locations l WHERE l.active AND l.id IN (
        SELECT s.location_id FROM stock_levels s WHERE s.sku_id IN (SELECT id FROM k) AND ${freeSql('s')} > 0)) AS sites,
      ${ruleSetsJson(sql`SELECT id FROM ch`)} AS "ruleSets",
      ${supplyJson(sql`SELECT id FROM k`, sql`SELECT id FROM ch`)} AS supply,
      (SELECT json_agg(json_build_object('locationId', sl.location_id, 'code', l.code, 'priority', l.priority, 'skuId', sl.sku_id,
              'free', sl.quantity - sl.received - sl.reserved, 'inDays', sl.expected_on - current_date))
        FROM supply_lines sl JOIN locations l ON l.id = sl.location_id AND l.active
        WHERE sl.open AND sl.sku_id IN (SELECT id FROM k) AND sl.quantity - sl.received - sl.reserved > 0
          AND sl.expected_on <= current_date + (SELECT coalesce(max(presale_days), 0) FROM ch)) AS incoming,
      -- Carriers and rates: the promised delivery date's inputs (the rate book itself is cached by version).
      ${rateCatalogVersionSql} AS "ratesVersion",
      (SELECT json_agg(json_build_object('id', id, 'code', code, 'region', region, 'country', country, 'state', state))
        FROM locations WHERE active AND can_ship) AS "shipFrom",
      (SELECT json_agg(json_build_object('id', id, 'weightGrams', weight_grams, 'lengthMm', length_mm, 'widthMm', width_mm, 'heightMm', height_mm))
        FROM skus WHERE id IN (SELECT id FROM k)) AS "skuParcels"
  `.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('the facts statement returned no row');
  return {
    claimed: row.claimed, prior: row.prior, requests: row.requests,
    shared: {
      channels: row.channels ?? [], skus: row.skus ?? [], pickups: row.pickups ?? [], rules: row.rules ?? [],
      stock: row.stock ?? [], incoming: row.incoming ?? [], allocatedSkus: row.allocatedSkus ?? [],
      sites: row.sites ?? [], ruleSets: row.ruleSets ?? [], supply: row.supply,
      // Read again only when a carrier, service or rate table changed since this process last read it.
      promise: { book: await rateBookAt(db, row.ratesVersion), shipFrom: row.shipFrom ?? [], parcels: row.skuParcels ?? [] },
    },
  };
}

/** One decided order, as `writeCaptures` writes it. Item numbers are the order's place in the batch. */
export interface CaptureWrite {
  /** The order row, the new customer (if any), the key to claim with its answer (null without a key), and the audit row's fields. */
  order: {
    item: number; principal_id: string | null; key: string | null; method: string | null; path: string | null; request_hash: string | null; answer_status: number | null;
    answer: unknown; order_id: string; number: string; channel_id: string; channel_code: string; external_ref: string;
    customer_id: string; new_customer: boolean; email: string | null; phone: string | null; customer_name: string; customer_type: string;
    company: string | null; vat_id: string | null; status: string; currency: string; subtotal_minor: number; discount_minor: number;
    shipping_minor: number; tax_minor: number; total_minor: number; shipping_tax_minor: number; unallocated_discount_minor: number; payment_method: string | null; payment_authorized_minor: number;
    delivery_method: string; pickup_location_id: string | null; shipping_address: unknown; billing_address: unknown;
    buyer_remark: string | null; purchase_order_number: string | null; entered_by: string | null; search_text: string;
    tracking_token: string; items_signature: string; placed_at: string; now: string;
    actor_id: string; actor_name: string; request_id: string; audit_details: unknown;
    /** Carriers and rates: the date promised to the customer (YYYY-MM-DD), or none. */
    promised_delivery_date?: string | null;
  };
  lines: {
    id: string; line_no: number; sku_id: string; location_id: string | null; quantity: number; allocated: number; backordered: number;
    unit_price_minor: number; discount_minor: number; order_discount_minor: number; tax_minor: number;
    /** A part of a line split over locations: the request's line number it came from (absent: not split). */
    split_from_line_no?: number;
  }[];
  holds: { id: string; reason_code: string; rule_id: string }[];
  flags: { reason_code: string; rule_id: string }[];
  timeline: { type: string; from: string | null; to: string; message: string; event: string }[];
  /** Lines reserved from stock on hand (not backordered, not promised from incoming supply). */
  reserve: { lineId: string; reservationId: string; skuId: string; locationId: string; quantity: number; channelId: string }[];
  /** The sourcing decision with its explanation, stored with the order (sourcing_decisions). */
  sourcing: DecisionWrite;
}

export interface CaptureWritten {
  item: number;
  /** Every stock line fitted (or there were none). */
  accepted: boolean;
  /**
   * How the statement decided the order's stock lines (ordo_decide_captures; null: it had none): 'fits', 'stock' (not
   * covered by free stock), 'quota' (short of its channel's allocation for sure), 'unsure' (decide it alone).
   */
  outcome: 'fits' | 'stock' | 'quota' | 'unsure' | null;
  /** With 'quota': what the channel has left of each short SKU. */
  short: { skuId: string; available: number }[] | null;
  /** The order row was inserted (false: the channel sent this reference concurrently). */
  placed: boolean;
}

/**
 * Writes decided orders in one statement. `strict` (a batch written outside a transaction): an accepted order whose
 * key or external reference was taken concurrently fails the whole statement (RetryCommand), since nothing can be
 * undone afterwards; inside a transaction the caller looks at `placed` and `accepted` and rolls back itself.
 */
export async function writeCaptures(db: DbOrTrx, writes: readonly CaptureWrite[], opts: CaptureWriteOptions): Promise<{ orders: CaptureWritten[] }> {
  const result = await captureStatement(writes, opts).execute(db).catch((e: unknown) => {
    if (isPgError(e, pgCode.stockRefused)) throw new RetryCommand('a decided order was refused by a stock row or lost its key or reference');
    throw e;
  });
  return {
    orders: result.rows.map((r) => ({ item: r.item, accepted: r.accepted, placed: r.placed, outcome: r.outcome, short: r.short })),
  };
}

/**
 * The write statement: its own CTEs and the inventory module's movement CTEs (`movementCtes`, whose names it must
 * not reuse; capture.repository.test.ts checks every CTE name is defined once).
 */
export interface CaptureWriteOptions {
  /** A batch outside a transaction: see writeCaptures. */
  strict: boolean;
  /**
   * The statement decides channel allocations itself (a batch; ordo_decide_captures). The transactional path checks
   * them before writing (checkChannelAllocation) and passes false.
   */
  quotas: boolean;
  /**
   * The stock trigger records the batch's changes in stock_signals_pending instead of publishing channel numbers
   * inside this statement (migration 0041, ADR 0013); the caller publishes them once it has committed. Only for a
   * statement that is its own transaction (the setting lasts until the transaction ends).
   */
  deferSignals?: boolean;
}

export function captureStatement(writes: readonly CaptureWrite[], opts: CaptureWriteOptions): RawBuilder<CaptureWritten> {
  const each = <T>(pick: (w: CaptureWrite) => readonly T[]) => writes.flatMap((w) => pick(w).map((x, seq) => ({ ...x, item: w.order.item, order_id: w.order.order_id, seq })));
  const movements = writes.flatMap((w) => w.reserve.map((r) => ({
    skuId: r.skuId, locationId: r.locationId, reserved: r.quantity, reason: 'reservation' as const, referenceType: 'order_line',
    referenceId: r.lineId, actor: w.order.actor_name, item: w.order.item,
  })));
  const reservations = writes.flatMap((w) => w.reserve.map((r) => ({
    id: r.reservationId, skuId: r.skuId, locationId: r.locationId, channelId: r.channelId, quantity: r.quantity,
    referenceType: 'order_line', referenceId: r.lineId, expiresAt: null, createdAt: new Date(w.order.now), item: w.order.item,
  })));
  const stockLines = writes.flatMap((w) => w.reserve.map((r) => ({
    item: w.order.item, sku_id: r.skuId, location_id: r.locationId, quantity: r.quantity, channel_id: opts.quotas ? r.channelId : null,
  })));
  return sql<CaptureWritten>`
    WITH items AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(writes.map((w) => w.order))}::jsonb) AS x(
        item int, principal_id uuid, key text, method text, path text, request_hash text, answer_status int, answer jsonb,
        order_id uuid, number text, channel_id uuid, channel_code text, external_ref text, customer_id uuid, new_customer boolean,
        email text, phone text, customer_name text, customer_type text, company text, vat_id text, status text, currency text,
        subtotal_minor bigint, discount_minor bigint, shipping_minor bigint, tax_minor bigint, total_minor bigint,
        shipping_tax_minor bigint, unallocated_discount_minor bigint, payment_method text, payment_authorized_minor bigint, delivery_method text, pickup_location_id uuid,
        shipping_address jsonb, billing_address jsonb, buyer_remark text, purchase_order_number text, entered_by text,
        search_text text, tracking_token text, items_signature text, placed_at timestamptz, now timestamptz,
        actor_id uuid, actor_name text, request_id text, audit_details jsonb, promised_delivery_date date)
    ),
    decided AS (SELECT * FROM ordo_decide_captures(${JSON.stringify(stockLines)}::jsonb)),
    -- Orders without stock lines (all backordered or promised) have no decision and fit.
    accepted AS (SELECT i.item FROM items i LEFT JOIN decided d USING (item) WHERE d.outcome IS NULL OR d.outcome = 'fits'),
    -- The key stored with its answer. Inside a transaction the request claimed it already (no answer yet): the
    -- answer is added. A key another request answered meanwhile is not this one's.
    claim AS (
      INSERT INTO idempotency_keys (principal_id, key, method, path, request_hash, response_status, response_body)
      SELECT principal_id, key, method, path, request_hash, answer_status, answer FROM items
      WHERE key IS NOT NULL AND item IN (SELECT item FROM accepted)
      ORDER BY principal_id, key
      ON CONFLICT (principal_id, key) DO UPDATE SET response_status = excluded.response_status, response_body = excluded.response_body
        WHERE idempotency_keys.response_status IS NULL
      RETURNING principal_id, key
    ),
    cust AS (
      INSERT INTO customers (id, email, phone, name, type, company, vat_id)
      SELECT DISTINCT ON (customer_id) customer_id, email, phone, customer_name, customer_type, company, vat_id FROM items
      WHERE new_customer AND item IN (SELECT item FROM accepted)
      ORDER BY customer_id, item
      ON CONFLICT DO NOTHING
      RETURNING id
    ),
    ord AS (
      INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, discount_minor,
        shipping_minor, tax_minor, total_minor, shipping_tax_minor, unallocated_discount_minor, payment_method,
        payment_authorized_minor, delivery_method, pickup_location_id, shipping_address, billing_address, buyer_remark,
        purchase_order_number, entered_by, search_text, tracking_token, items_signature, placed_at, created_at, updated_at,
        promised_delivery_date)
      SELECT i.order_id, i.number, i.channel_id, i.external_ref,
        CASE WHEN i.new_customer
          -- Created by a concurrent capture after this request read its facts: that customer.
          THEN coalesce((SELECT c.id FROM cust c WHERE c.id = i.customer_id), (${customerOf(sql.ref('i.email'), sql.ref('i.phone'), sql`id`)}), i.customer_id)
          ELSE i.customer_id END,
        i.status, i.currency, i.subtotal_minor, i.discount_minor, i.shipping_minor, i.tax_minor, i.total_minor,
        i.shipping_tax_minor, i.unallocated_discount_minor, i.payment_method,
        i.payment_authorized_minor, i.delivery_method, i.pickup_location_id, i.shipping_address, i.billing_address, i.buyer_remark,
        i.purchase_order_number, i.entered_by, i.search_text, i.tracking_token, i.items_signature, i.placed_at, i.now, i.now,
        i.promised_delivery_date
      FROM items i WHERE i.item IN (SELECT item FROM accepted)
      ORDER BY i.item
      ON CONFLICT (channel_id, external_ref) DO NOTHING
      RETURNING id
    ),
    placed AS (SELECT i.item FROM items i WHERE i.order_id IN (SELECT id FROM ord)),
    lines AS (
      INSERT INTO order_lines (id, order_id, line_no, sku_id, location_id, quantity, allocated, backordered, unit_price_minor,
        discount_minor, order_discount_minor, tax_minor, split_from_line_no)
      SELECT x.id, x.order_id, x.line_no, x.sku_id, x.location_id, x.quantity, x.allocated, x.backordered, x.unit_price_minor,
        x.discount_minor, x.order_discount_minor, x.tax_minor, x.split_from_line_no
      FROM jsonb_to_recordset(${JSON.stringify(each((w) => w.lines))}::jsonb) AS x(item int, order_id uuid, id uuid, line_no int, sku_id uuid,
        location_id uuid, quantity int, allocated int, backordered int, unit_price_minor bigint, discount_minor bigint,
        order_discount_minor bigint, tax_minor bigint, split_from_line_no int)
      WHERE x.item IN (SELECT item FROM placed)
    ),
    holds AS (
      INSERT INTO order_holds (id, order_id, reason_code, rule_id, created_at)
      SELECT x.id, x.order_id, x.reason_code, x.rule_id, i.now
      FROM jsonb_to_recordset(${JSON.stringify(each((w) => w.holds))}::jsonb) AS x(item int, order_id uuid, id uuid, reason_code text, rule_id uuid)
      JOIN items i USING (item)
      WHERE x.item IN (SELECT item FROM placed)
    ),
    flags AS (
      INSERT INTO order_flags (order_id, reason_code, rule_id)
      SELECT x.order_id, x.reason_code, x.rule_id
      FROM jsonb_to_recordset(${JSON.stringify(each((w) => w.flags))}::jsonb) AS x(item int, order_id uuid, reason_code text, rule_id uuid)
      WHERE x.item IN (SELECT item FROM placed)
    ),
    transitions AS (
      SELECT x.*, i.actor_name, i.channel_code, i.external_ref, i.total_minor, i.currency
      FROM jsonb_to_recordset(${JSON.stringify(each((w) => w.timeline))}::jsonb)
        AS x(item int, order_id uuid, seq int, type text, "from" text, "to" text, message text, event text)
      JOIN items i USING (item)
      WHERE x.item IN (SELECT item FROM placed)
    ),
    tl AS (
      INSERT INTO order_timeline (order_id, actor, type, from_status, to_status, message, details)
      SELECT order_id, actor_name, type, "from", "to", message, '{}'::jsonb FROM transitions ORDER BY item, seq
    ),
    events AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, aggregate_version, payload)
      SELECT event, 'order', order_id::text, 1,
             jsonb_build_object('orderId', order_id, 'channel', channel_code, 'externalRef', external_ref, 'from', "from", 'to', "to",
                                'totalMinor', total_minor, 'currency', currency, 'version', 1)
      FROM transitions ORDER BY item, seq
    ),
    audit AS (
      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, request_id, details)
      SELECT actor_id, actor_name, 'order.captured', 'order', order_id, request_id, audit_details
      FROM items WHERE item IN (SELECT item FROM placed)
    ),
    ${decisionCtes(writes.map((w) => ({ ...w.sourcing, item: w.order.item })), sql`SELECT item FROM placed`)},
    ${movementCtes(movements, { guard: 'available', actor: '', reservations, items: sql<number>`SELECT item FROM placed` })}
    SELECT i.item, i.item IN (SELECT item FROM accepted) AS accepted, i.item IN (SELECT item FROM placed) AS placed,
      (SELECT d.outcome FROM decided d WHERE d.item = i.item) AS outcome, (SELECT d.short FROM decided d WHERE d.item = i.item) AS short,
      -- Never while the rows are locked as decided. In strict mode also an accepted order that lost its key or its
      -- external reference to a concurrent request: the statement fails and nothing of the batch is written.
      ordo_refuse_if((SELECT count(*) FROM (${movementResult}) r WHERE r."onHand" IS NULL)
        + CASE WHEN ${opts.strict} THEN (SELECT count(*) FROM items a WHERE a.item IN (SELECT item FROM accepted)
            AND (a.item NOT IN (SELECT item FROM placed)
              OR (a.key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM claim c WHERE c.principal_id = a.principal_id AND c.key = a.key))))
          ELSE 0 END) AS complete,
      -- Before the statement's triggers fire, which is after all of it has run.
      ${opts.deferSignals ? sql`set_config('ordo.defer_signals', 'on', true)` : sql`NULL`} AS deferred
    FROM items i ORDER BY i.item
  `;
}
