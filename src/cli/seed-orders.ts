/**
 * `ordo seed --orders N`: N believable orders for benchmarking order lists and search, written straight into the
 * tables with set-based SQL (INSERT … SELECT over generate_series, BATCH orders per statement and transaction).
 *
 * A fixture, not a simulation of capture: no timeline rows or outbox events are written. Open orders (on hold,
 * allocated, in fulfilment) hold their stock as captured ones do: a reservation per line, and per batch ledger
 * movements per (SKU, location) that receive those units and reserve them, so `ordo check` finds every invariant
 * intact. Run it on a database made for benchmarks or demos, never on one with real orders. It needs the demo
 * channels, SKUs, locations and carriers (`ordo seed --demo`) and runs that seed first when they are missing.
 *
 * What the orders look like: placed over the last two years with volume growing over time (a growing business);
 * WEB 60 %, MARKET 30 %, B2B 10 %; 1–4 lines of distinct demo SKUs (popular ones more often); ~50,000 customers, some
 * ordering often; mostly completed, recent ones allocated, in fulfilment, shipped or delivered; 6 % cancelled; a few
 * on hold with an open hold (and some older orders whose hold was released); one shipment per shipped order.
 * Totals satisfy the orders CHECK: total = subtotal − discount + shipping + tax.
 */
import { sql } from 'kysely';
import type { Db, DbOrTrx, Trx } from '../db/database.js';
import { isRetryable } from '../db/command.js';
import { applyMovements, type Movement } from '../inventory/index.js';
import { newId } from '../shared/ids.js';
import { demoCarriers, demoChannels, demoLocations, demoSkus, seedDemo } from './seed.js';

const BATCH = 50_000;
/** Two connections keep both cores of a small machine busy; the batches do not touch the same rows. */
const WORKERS = 2;
const SPAN_DAYS = 730;

const firstNames = ['Anna', 'Lukas', 'Sophie', 'Jonas', 'Marie', 'Leon', 'Emma', 'Paul', 'Mia', 'Felix', 'Hannah', 'Elias',
  'Lea', 'Noah', 'Lena', 'Ben', 'Clara', 'Finn', 'Laura', 'Max', 'Julia', 'Tim', 'Sarah', 'Jan', 'Katharina', 'David',
  'Johanna', 'Niklas', 'Lisa', 'Moritz', 'Charlotte', 'Tobias', 'Amelie', 'Florian', 'Nina', 'Simon', 'Paula', 'Erik',
  'Greta', 'Jürgen', 'Sabine', 'Thomas', 'Andrea', 'Michael', 'Petra', 'Stefan', 'Monika', 'Andreas', 'Ursula', 'Klaus',
  'Ayşe', 'Mehmet', 'Elif', 'Can', 'Zoë', 'Luca', 'Giulia', 'Marco', 'Olga', 'Ivan', 'Fatima', 'Omar', 'Chloé', 'René'];
const lastNames = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger',
  'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Schmitz', 'Krause', 'Meier', 'Lehmann', 'Schmid', 'Schulze',
  'Maier', 'Köhler', 'Herrmann', 'König', 'Walter', 'Mayer', 'Huber', 'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz',
  'Möller', 'Weiß', 'Jung', 'Hahn', 'Schubert', 'Vogel', 'Friedrich', 'Keller', 'Günther', 'Frank', 'Berger', 'Winkler',
  'Roth', 'Beck', 'Lorenz', 'Baumann', 'Franke', 'Albrecht', 'Schuster', 'Simon', 'Ludwig', 'Böhm', 'Winter', 'Kraus',
  'Martin', 'Schumacher', 'Krämer', 'Vogt', 'Stein', 'Jäger', 'Otto', 'Sommer', 'Groß', 'Seidel', 'Heinrich', 'Yılmaz',
  'Kaya', 'Rossi', 'Nowak', 'Kowalski', 'Popescu', 'Ivanova', 'Dubois', 'Jansen', 'de Vries'];
const streets = ['Hauptstraße', 'Schulstraße', 'Gartenstraße', 'Bahnhofstraße', 'Dorfstraße', 'Bergstraße', 'Birkenweg',
  'Lindenstraße', 'Kirchstraße', 'Waldstraße', 'Ringstraße', 'Schillerstraße', 'Goethestraße', 'Jahnstraße', 'Feldstraße',
  'Wiesenweg', 'Amselweg', 'Mühlenweg', 'Friedhofstraße', 'Rosenstraße', 'Blumenstraße', 'Am Sportplatz', 'Parkstraße',
  'Beethovenstraße', 'Mozartstraße', 'Industriestraße', 'Poststraße', 'Marktplatz', 'Sonnenweg', 'Eichenweg'];
const cities: [city: string, postalCode: string, country: string][] = [
  ['Berlin', '10115', 'DE'], ['Hamburg', '20095', 'DE'], ['München', '80331', 'DE'], ['Köln', '50667', 'DE'],
  ['Frankfurt am Main', '60311', 'DE'], ['Stuttgart', '70173', 'DE'], ['Düsseldorf', '40213', 'DE'], ['Leipzig', '04109', 'DE'],
  ['Dortmund', '44135', 'DE'], ['Essen', '45127', 'DE'], ['Bremen', '28195', 'DE'], ['Dresden', '01067', 'DE'],
  ['Hannover', '30159', 'DE'], ['Nürnberg', '90402', 'DE'], ['Duisburg', '47051', 'DE'], ['Bochum', '44787', 'DE'],
  ['Wuppertal', '42103', 'DE'], ['Bielefeld', '33602', 'DE'], ['Bonn', '53111', 'DE'], ['Münster', '48143', 'DE'],
  ['Mannheim', '68159', 'DE'], ['Karlsruhe', '76133', 'DE'], ['Augsburg', '86150', 'DE'], ['Freiburg im Breisgau', '79098', 'DE'],
  ['Kiel', '24103', 'DE'], ['Rostock', '18055', 'DE'], ['Wien', '1010', 'AT'], ['Graz', '8010', 'AT'], ['Zürich', '8001', 'CH'],
  ['Amsterdam', '1012', 'NL']];
const domains = ['example.com', 'example.de', 'example.net', 'example.org'];
const holdReasons = ['payment_not_authorized', 'payment_not_authorized', 'invalid_address', 'high_value', 'likely_duplicate', 'buyer_remark'];

/** What an e-mail address can hold: ä → ae, é → e, no spaces. */
const asciiName = (name: string) => name.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
  .replace(/ı/g, 'i').normalize('NFD').replace(/[^a-z]/g, '');

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

interface SeededCustomer {
  n: number;
  email: string;
  name: string;
  phone: string | null;
  company: string | null;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}

/** Customer n of the generated set: the same n always gives the same person, so a second run reuses them. */
function seededCustomer(n: number): SeededCustomer {
  const first = pick(firstNames, n);
  const last = pick(lastNames, Math.floor(n / firstNames.length) + n * 7);
  const [city, postalCode, country] = pick(cities, n * 13 + Math.floor(n / 7));
  const business = n % 20 === 0;
  return {
    n,
    email: `${asciiName(first)}.${asciiName(last)}${n}@${pick(domains, n)}`,
    name: `${first} ${last}`,
    // Six in ten give a mobile number, normalised as capture stores it.
    phone: n % 5 < 3 ? `+4915${String((n * 7_919_393) % 1_000_000_000).padStart(9, '0')}` : null,
    company: business ? `${last} ${pick(['GmbH', 'KG', 'AG', '& Söhne', 'Handels GmbH'], n)}` : null,
    line1: `${pick(streets, n * 3)} ${1 + (n % 117)}`,
    city,
    postalCode,
    country,
  };
}

export interface SeedOrdersOptions {
  /** Progress lines (to stderr in the CLI). */
  log?: (line: string) => void;
  batchSize?: number;
  /** The end of the two years the orders are placed in. Default: now. */
  now?: Date;
  /**
   * VACUUM (ANALYZE) the tables at the end (default true). False leaves the planner's statistics as they were, as after
   * a capture load on a server without autovacuum: for tests that `ordo check` copes with stale statistics.
   */
  vacuum?: boolean;
}

/**
 * Writes `count` orders (see the file comment), then VACUUMs and ANALYZEs the tables (unless `vacuum: false`). Returns a summary.
 */
export async function seedOrders(db: Db, count: number, opts: SeedOrdersOptions = {}): Promise<string> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('the number of orders must be a positive integer');
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const demoMissing = await demoIsMissing(db);
  if (demoMissing) log(`the demo data is missing (${demoMissing}): running ordo seed --demo first`);
  const demo = demoMissing ? await seedDemo(db) : null;

  const customerCount = Math.min(50_000, Math.max(50, Math.round(count / 20)));
  const customers = Array.from({ length: customerCount }, (_, n) => seededCustomer(n));
  await sql`
    INSERT INTO customers (id, email, phone, name, type, company)
    SELECT id, email, phone, name, CASE WHEN company IS NULL THEN 'person' ELSE 'business' END, company
    FROM unnest(${customers.map(() => newId())}::uuid[], ${customers.map((c) => c.email)}::text[], ${customers.map((c) => c.phone)}::text[],
                ${customers.map((c) => c.name)}::text[], ${customers.map((c) => c.company)}::text[]) AS x(id, email, phone, name, company)
    ON CONFLICT DO NOTHING
  `.execute(db);

  const batchSize = opts.batchSize ?? BATCH;
  const batches = Math.ceil(count / batchSize);
  const runTag = Date.now().toString(36).toUpperCase();
  const now = opts.now ?? new Date();
  let next = 0;
  let written = 0;
  let reserved = 0;
  // Each worker pins one connection: its temporary customer table lives in that session.
  const worker = () => db.connection().execute(async (conn) => {
    await sql`DROP TABLE IF EXISTS seed_customers`.execute(conn);
    await sql`
      CREATE TEMP TABLE seed_customers AS
      SELECT x.n, c.id, x.email, c.name, c.phone, c.company, x.line1, x.city, x.postal_code, x.country
      FROM unnest(${customers.map((c) => c.n)}::int[], ${customers.map((c) => c.email)}::text[], ${customers.map((c) => c.line1)}::text[],
                  ${customers.map((c) => c.city)}::text[], ${customers.map((c) => c.postalCode)}::text[], ${customers.map((c) => c.country)}::text[])
        AS x(n, email, line1, city, postal_code, country)
      JOIN customers c ON c.email = x.email
    `.execute(conn);
    await sql`ALTER TABLE seed_customers ADD PRIMARY KEY (n)`.execute(conn);
    for (let b = next++; b < batches; b = next++) {
      const from = b * batchSize;
      const to = Math.min(count, from + batchSize);
      // A seed per batch: runs of the same N draw the same statuses, lines and amounts, whichever worker runs a batch.
      // The two workers may create the same stock row at once, or deadlock: the batch rolled back, and its seed draws
      // it again the same.
      for (let attempt = 1; ; attempt++) {
        try {
          reserved += await conn.transaction().execute(async (trx) => {
            await sql`SELECT setseed(${(b % 1000) / 1000})`.execute(trx);
            const held = await insertBatch(trx, { from, to, count, customerCount, now, runTag });
            await holdSeededStock(trx, held, runTag);
            return held.reduce((a, h) => a + h.quantity, 0);
          });
          break;
        } catch (e) {
          if (!isRetryable(e) || attempt >= 3) throw e;
        }
      }
      written += to - from;
      log(`orders: ${written.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    await sql`DROP TABLE IF EXISTS seed_customers`.execute(conn);
  });
  await Promise.all(Array.from({ length: Math.min(WORKERS, batches) }, worker));
  // VACUUM as well as ANALYZE: it sets the visibility map, without which the index-only scans the order list relies
  // on would visit the table for every row until autovacuum comes by.
  if (opts.vacuum ?? true) await sql`VACUUM (ANALYZE) customers, orders, order_lines, order_holds, shipments, reservations`.execute(db);
  const seconds = (performance.now() - started) / 1000;
  return `${demo ? `${demo}\n` : ''}orders: ${count.toLocaleString('en-US')} written for ${customerCount.toLocaleString('en-US')} customers ` +
    `in ${seconds.toFixed(1)} s; open orders hold ${reserved.toLocaleString('en-US')} units (received for them)`;
}

/** What of the demo seed is missing, or null when every channel, SKU, location and carrier it needs is there. */
async function demoIsMissing(db: Db): Promise<string | null> {
  const count = async (table: 'channels' | 'skus' | 'locations' | 'carriers', codes: string[]) =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('code', 'in', codes).executeTakeFirstOrThrow()).n);
  const wanted = {
    channels: demoChannels.map((c) => c.code), skus: demoSkus().map((s) => s.code),
    locations: demoLocations.map((l) => l.code), carriers: demoCarriers.map((c) => c.code),
  };
  const missing: string[] = [];
  for (const [table, codes] of Object.entries(wanted) as [keyof typeof wanted, string[]][]) {
    if ((await count(table, codes)) < codes.length) missing.push(table);
  }
  return missing.length > 0 ? missing.join(', ') : null;
}

interface Batch {
  from: number;
  to: number;
  count: number;
  customerCount: number;
  now: Date;
  runTag: string;
}

interface Held {
  skuId: string;
  locationId: string;
  quantity: number;
}

/** One statement: orders [from, to) with their lines, holds, shipments and reservations. Returns the units reserved. */
async function insertBatch(conn: DbOrTrx, b: Batch): Promise<Held[]> {
  const skuCodes = demoSkus().map((s) => s.code);
  const result = await sql<Held>`
    WITH
    sk AS (SELECT (row_number() OVER (ORDER BY code))::int - 1 AS n, id, code, coalesce(price_minor, 1990) AS price
           FROM skus WHERE code = ANY(${skuCodes}::text[])),
    nsk AS (SELECT count(*)::int AS n FROM sk),
    ch AS (SELECT code, id, order_number_prefix AS prefix FROM channels),
    loc AS (SELECT code, id FROM locations),
    -- One row per order with the random draws that decide it. Volume grows over the two years: the i-th order is
    -- placed at sqrt(i / N) of the way, so recent months have more orders than old ones.
    g AS MATERIALIZED (
      SELECT i, ${b.now}::timestamptz - make_interval(secs => ${SPAN_DAYS * 86400} * (1 - sqrt((i + random()) / ${b.count}))) AS placed_at,
             random() AS r_status, random() AS r_state, random() AS r_channel, random() AS r_customer, random() AS r_lines,
             random() AS r_sku, random() AS r_delivery, random() AS r_location, random() AS r_pay, random() AS r_hold
      FROM generate_series(${b.from}::int, ${b.to - 1}::int) AS i
    ),
    o AS MATERIALIZED (
      SELECT g.*, ch.id AS channel_id, ch.code AS channel, ch.prefix,
        CASE WHEN ch.code = 'WEB' AND r_delivery < 0.05 THEN CASE WHEN r_delivery < 0.025 THEN 'ST-MUC' ELSE 'ST-HAM' END END AS pickup,
        CASE
          WHEN r_status < 0.06 THEN 'cancelled'
          WHEN age < 2 THEN CASE WHEN r_state < 0.15 THEN 'on_hold' WHEN r_state < 0.65 THEN 'allocated' WHEN r_state < 0.85 THEN 'in_fulfillment' ELSE 'shipped' END
          WHEN age < 14 THEN CASE WHEN r_state < 0.06 THEN 'on_hold' WHEN r_state < 0.10 THEN 'allocated' WHEN r_state < 0.55 THEN 'shipped' ELSE 'delivered' END
          -- A few held orders nobody has looked at yet, and some delivered ones not yet closed.
          WHEN r_state < 0.004 THEN 'on_hold'
          WHEN r_state < 0.02 THEN 'delivered'
          ELSE 'completed'
        END AS status,
        -- Business customers (every 20th) place the wholesale orders; others are skewed towards frequent buyers.
        CASE WHEN ch.code = 'B2B' THEN 20 * floor(r_customer * ceil(${b.customerCount} / 20.0))::int
             ELSE floor(${b.customerCount} * power(r_customer, 1.6))::int END AS customer_n,
        CASE WHEN r_lines < 0.45 THEN 1 WHEN r_lines < 0.75 THEN 2 WHEN r_lines < 0.90 THEN 3 ELSE 4 END AS line_count,
        floor((SELECT n FROM nsk) * power(r_sku, 2))::int AS sku_base,
        CASE ch.code WHEN 'WEB' THEN 'WEB-' WHEN 'MARKET' THEN '302-' ELSE 'PO-' END || ${b.runTag}::text || '-' || lpad(i::text, 7, '0') AS external_ref,
        -- A UUIDv7 from the placing time, as capture would have made it then.
        (lpad(to_hex((extract(epoch FROM placed_at) * 1000)::bigint), 12, '0') || '7' || substr(md5(i::text || random()::text), 1, 3) || '8'
          || substr(md5(random()::text || i::text), 1, 15))::uuid AS id
      FROM (SELECT g.*, extract(epoch FROM ${b.now}::timestamptz - g.placed_at) / 86400 AS age,
                   CASE WHEN r_channel < 0.60 THEN 'WEB' WHEN r_channel < 0.90 THEN 'MARKET' ELSE 'B2B' END AS channel_code
            FROM g) g
      JOIN ch ON ch.code = g.channel_code
    ),
    l AS MATERIALIZED (
      SELECT o.id AS order_id, o.status, o.placed_at, o.channel_id, k AS line_no, gen_random_uuid() AS id, sk.id AS sku_id, sk.code AS sku_code,
        CASE WHEN o.pickup IS NOT NULL THEN (SELECT id FROM loc WHERE code = o.pickup)
             ELSE (SELECT id FROM loc WHERE code = CASE WHEN o.r_location < 0.55 THEN 'WH-BER' WHEN o.r_location < 0.90 THEN 'WH-DUS' ELSE 'ST-MUC' END) END AS location_id,
        q.quantity, sk.price AS unit_price,
        CASE WHEN random() < 0.10 THEN sk.price * q.quantity / 10 ELSE 0 END AS discount
      FROM o
      CROSS JOIN LATERAL generate_series(1, o.line_count) AS k
      CROSS JOIN LATERAL (SELECT CASE WHEN o.channel = 'B2B' THEN 5 + floor(random() * 20)::int
                                      WHEN random() < 0.85 THEN 1 WHEN random() < 0.8 THEN 2 ELSE 3 END AS quantity) q
      -- Distinct SKUs per order: the lines are a quarter of the catalogue apart.
      JOIN sk ON sk.n = (o.sku_base + (k - 1) * ((SELECT n FROM nsk) / 4)) % (SELECT n FROM nsk)
    ),
    lt AS (
      SELECT l.*, round((unit_price * quantity - discount) * 0.19)::bigint AS tax FROM l
    ),
    t AS (
      SELECT order_id, sum(unit_price * quantity)::bigint AS subtotal, sum(discount)::bigint AS discount, sum(tax)::bigint AS tax,
             md5(string_agg(sku_code || ':' || quantity, '|' ORDER BY sku_code)) AS signature,
             jsonb_agg(jsonb_build_object('lineId', id, 'quantity', quantity) ORDER BY line_no) AS shipped_lines
      FROM lt GROUP BY order_id
    ),
    full_order AS (
      SELECT o.*, t.subtotal, t.discount, t.tax, t.signature, t.shipped_lines, c.id AS customer_id, c.name, c.email, c.phone, c.company,
        c.line1, c.city, c.postal_code, c.country,
        CASE WHEN o.pickup IS NOT NULL OR o.channel = 'B2B' OR t.subtotal - t.discount >= 5000 THEN 0 ELSE 495 END AS shipping,
        CASE WHEN o.status = 'on_hold' THEN (${holdReasons}::text[])[1 + floor(o.r_hold * ${holdReasons.length})::int] END AS hold_reason
      FROM o JOIN t ON t.order_id = o.id JOIN seed_customers c ON c.n = least(o.customer_n, ${b.customerCount - 1})
    ),
    ins_orders AS (
      INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, discount_minor,
        shipping_minor, tax_minor, total_minor, payment_method, payment_authorized_minor, delivery_method, pickup_location_id,
        shipping_address, billing_address, purchase_order_number, search_text, tracking_token, items_signature, placed_at, created_at, updated_at)
      SELECT id, prefix || nextval('order_number_seq'), channel_id, external_ref, customer_id, status, 'EUR', subtotal, discount,
        shipping, tax, subtotal - discount + shipping + tax,
        CASE WHEN channel = 'B2B' THEN 'invoice' WHEN r_pay < 0.6 THEN 'card' ELSE 'paypal' END,
        CASE WHEN channel = 'B2B' OR hold_reason = 'payment_not_authorized' THEN 0 ELSE subtotal - discount + shipping + tax END,
        CASE WHEN pickup IS NULL THEN 'ship' ELSE 'pickup' END, (SELECT id FROM loc WHERE code = pickup),
        CASE WHEN pickup IS NULL THEN jsonb_build_object('name', name, 'company', company, 'line1', line1, 'city', city, 'postalCode', postal_code, 'country', country) END,
        jsonb_build_object('name', name, 'company', company, 'line1', line1, 'city', city, 'postalCode', postal_code, 'country', country),
        CASE WHEN channel = 'B2B' THEN external_ref END,
        -- As capture builds it: customer name, email, phone, company, the address's name, street, city, postcode, reference.
        lower(concat_ws(' ', name, email, phone, company, CASE WHEN pickup IS NULL THEN concat_ws(' ', name, line1, city, postal_code) END, external_ref)),
        translate(encode(substr(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 1, 18), 'base64'), '+/', '-_'),
        signature, placed_at, placed_at, placed_at
      FROM full_order
    ),
    ins_lines AS (
      INSERT INTO order_lines (id, order_id, line_no, sku_id, location_id, quantity, allocated, shipped, cancelled, unit_price_minor, discount_minor, tax_minor)
      SELECT id, order_id, line_no, sku_id, location_id, quantity,
        CASE WHEN status IN ('on_hold', 'allocated', 'in_fulfillment') THEN quantity ELSE 0 END,
        CASE WHEN status IN ('shipped', 'delivered', 'completed') THEN quantity ELSE 0 END,
        CASE WHEN status = 'cancelled' THEN quantity ELSE 0 END,
        unit_price, discount, tax
      FROM lt
    ),
    ins_holds AS (
      INSERT INTO order_holds (id, order_id, reason_code, rule_id, status, created_at, decided_at, decided_by)
      SELECT gen_random_uuid(), f.id, coalesce(f.hold_reason, 'payment_not_authorized'), r.id,
        CASE WHEN f.hold_reason IS NULL THEN 'released' ELSE 'open' END, f.placed_at,
        CASE WHEN f.hold_reason IS NULL THEN f.placed_at + interval '2 hours' END, CASE WHEN f.hold_reason IS NULL THEN 'seed' END
      FROM full_order f
      LEFT JOIN LATERAL (SELECT id FROM review_rules WHERE reason_code = coalesce(f.hold_reason, 'payment_not_authorized') ORDER BY priority LIMIT 1) r ON true
      -- Open holds on held orders; released ones on 1.5 % of the others, which the holdReason filter must not find.
      WHERE f.hold_reason IS NOT NULL OR (f.status IN ('shipped', 'delivered', 'completed') AND f.r_hold < 0.015)
    ),
    ins_shipments AS (
      INSERT INTO shipments (id, order_id, carrier_code, tracking_number, lines, shipped_at, delivered_at, status, status_at)
      SELECT gen_random_uuid(), id, CASE WHEN r_pay < 0.65 THEN 'DHL' ELSE 'DPD' END,
        CASE WHEN r_pay < 0.65 THEN '0034' || lpad((floor(r_hold * 1e16))::bigint::text, 16, '0')
             ELSE '0' || lpad((floor(r_hold * 1e13))::bigint::text, 13, '0') END,
        shipped_lines, placed_at + interval '20 hours', CASE WHEN status IN ('delivered', 'completed') THEN placed_at + interval '2 days 3 hours' END,
        CASE WHEN status IN ('delivered', 'completed') THEN 'delivered' ELSE 'shipped' END,
        CASE WHEN status IN ('delivered', 'completed') THEN placed_at + interval '2 days 3 hours' END
      FROM full_order WHERE status IN ('shipped', 'delivered', 'completed') AND pickup IS NULL
    ),
    -- Open orders hold their units, as capture leaves them (the counters move after this statement).
    ins_reservations AS (
      INSERT INTO reservations (id, sku_id, location_id, channel_id, quantity, status, reference_type, reference_id, created_at)
      SELECT gen_random_uuid(), sku_id, location_id, channel_id, quantity, 'open', 'order_line', id::text, placed_at
      FROM lt WHERE status IN ('on_hold', 'allocated', 'in_fulfillment')
      RETURNING sku_id, location_id, quantity
    )
    SELECT sku_id AS "skuId", location_id AS "locationId", sum(quantity)::int AS quantity FROM ins_reservations GROUP BY 1, 2
  `.execute(conn);
  return result.rows;
}

/**
 * The counters for a batch's reservations, through the ledger: per (SKU, location) a receipt of the units it reserves
 * (reference `seed`), then the reserved units. Receiving what is reserved needs no read of the counters, so the two
 * workers cannot race each other into a refusal.
 */
async function holdSeededStock(trx: Trx, held: readonly Held[], runTag: string): Promise<void> {
  if (held.length === 0) return;
  const movements: Movement[] = held.flatMap((h): Movement[] => [
    { skuId: h.skuId, locationId: h.locationId, onHand: h.quantity, reason: 'receipt', referenceType: 'seed', referenceId: runTag, note: 'stock for seeded open orders' },
    { skuId: h.skuId, locationId: h.locationId, reserved: h.quantity, reason: 'reservation', referenceType: 'seed', referenceId: runTag },
  ]);
  const { refused } = await applyMovements(trx, movements, { guard: 'stock', actor: 'ordo seed' });
  if (refused.length > 0) throw new Error(`seeded reservations refused by ${refused.length} stock row(s)`);
}
