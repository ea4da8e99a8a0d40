/**
 * Capture: one order from a channel, checked, reviewed and reserved in one transaction.
 *
 * 1. read everything the decision needs in one statement (channel, SKUs, customer, rules, stock, duplicates);
 * 2. decide, purely: totals, where each line is reserved (or backordered), review holds and flags, the status;
 * 3. write the order with its lines, holds, flags, timeline and events in one statement — unless the channel already
 *    sent this external reference, in which case the existing order is the answer (idempotent per channel);
 * 4. reserve every line's stock through the inventory module (all or nothing).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Trx } from '../db/database.js';
import { auditCte, checkClaim, claimSql, RetryCommand, type CommandContext, type CommandOutcome, type IdempotencyClaim } from '../http/command.js';
import { insertIncomingReservations, reserveIncoming } from '../inventory/reservation.repository.js';
import { checkChannelAllocation } from '../inventory/reserve-stock.js';
import { findLevels, interpretMovements, movementCtes, movementResult, type MovementRow } from '../inventory/stock.repository.js';
import { normaliseEmail, normalisePhone } from '../customer/customer.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { chooseLocations, type Candidate } from './choose-locations.js';
import { totalsMismatch, type CaptureOrder, type Order } from './order.js';
import { loadOrder, statusEvents } from './order.repository.js';
import type { OrderStatus } from './order-status.js';
import { addressProblems, review, type ReviewFacts, type ReviewRule } from './review.js';

interface Facts {
  claimed: boolean;
  prior: Parameters<typeof checkClaim>[1]['prior'];
  order_seq: number;
  allocated_skus: string[] | null;
  channel: { id: string; code: string; currency: string; active: boolean; allow_backorder: boolean; presale_days: number; order_number_prefix: string } | null;
  skus: { id: string; code: string; active: boolean }[] | null;
  customer: { id: string; blocked: boolean; name: string; email: string | null; phone: string | null } | null;
  rules: ReviewRule[] | null;
  pickup: { id: string; code: string; can_pickup: boolean; active: boolean } | null;
  stock: { locationId: string; code: string; priority: number; canShip: boolean; canPickup: boolean; skuId: string; free: number }[] | null;
  incoming: { locationId: string; code: string; priority: number; skuId: string; free: number }[] | null;
  existing: string | null;
  minutes_since_identical: number | null;
}

/** md5 of the sorted (sku, quantity) pairs: the same items in any order give the same signature. */
export function itemsSignature(lines: readonly { sku: string; quantity: number }[]): string {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.sku, (merged.get(l.sku) ?? 0) + l.quantity);
  return createHash('md5').update([...merged].sort(([a], [b]) => a.localeCompare(b)).map(([s, q]) => `${s}:${q}`).join('|')).digest('hex');
}

/**
 * The existing customer an order belongs to: by email, else (no email given) by phone, preferring one with an email.
 * Two index lookups whatever plan the statement runs with; used by the read and again by the write (a concurrent
 * capture may have created the customer in between).
 */
const customerOf = (email: string | null, phone: string | null, columns: RawBuilder<unknown>) => sql`
  (SELECT ${columns} FROM customers WHERE email = ${email} LIMIT 1)
  UNION ALL
  (SELECT ${columns} FROM customers WHERE ${email}::text IS NULL AND phone = ${phone} ORDER BY email NULLS LAST LIMIT 1)
  LIMIT 1`;

async function readFacts(trx: Trx, input: CaptureOrder, email: string | null, phone: string | null, signature: string, claim: IdempotencyClaim | null): Promise<Facts> {
  const skuRefs = [...new Set(input.lines.map((l) => l.sku))];
  const idempotency = claimSql(claim);
  const result = await sql<Facts>`
    WITH ${idempotency.cte},
    ch AS (
      SELECT id, code, currency, active, allow_backorder, presale_days, order_number_prefix FROM channels
      WHERE code = ${input.channel} OR id::text = ${input.channel} LIMIT 1
    ),
    k AS (SELECT id, code, active FROM skus WHERE code = ANY(${skuRefs}::text[]) OR id::text = ANY(${skuRefs}::text[])),
    cu AS (${customerOf(email, phone, sql`id, blocked, name, email, phone`)})
    SELECT ${idempotency.columns},
      nextval('order_number_seq') AS order_seq,
      -- SKUs under channel allocation rules: only their reservations need the allocation check.
      (SELECT json_agg(k.id) FROM k WHERE EXISTS (SELECT 1 FROM channel_allocations a WHERE a.sku_id = k.id OR a.sku_id IS NULL)) AS allocated_skus,
      (SELECT row_to_json(ch) FROM ch) AS channel,
      (SELECT json_agg(k) FROM k) AS skus,
      (SELECT row_to_json(cu) FROM cu) AS customer,
      (SELECT json_agg(json_build_object('id', id, 'code', code, 'name', name, 'priority', priority, 'enabled', enabled,
              'condition', condition, 'action', action, 'reasonCode', reason_code)) FROM review_rules WHERE enabled) AS rules,
      (SELECT row_to_json(p) FROM (SELECT id, code, can_pickup, active FROM locations
        WHERE ${input.pickupLocation ?? null}::text IS NOT NULL AND (code = ${input.pickupLocation ?? null} OR id::text = ${input.pickupLocation ?? null})) p) AS pickup,
      (SELECT json_agg(json_build_object('locationId', s.location_id, 'code', l.code, 'priority', l.priority,
              'canShip', l.can_ship, 'canPickup', l.can_pickup, 'skuId', s.sku_id,
              'free', s.on_hand - s.reserved - s.quarantined - s.safety_stock))
        FROM stock_levels s JOIN locations l ON l.id = s.location_id AND l.active
        WHERE s.sku_id IN (SELECT id FROM k) AND s.on_hand - s.reserved - s.quarantined - s.safety_stock > 0) AS stock,
      (SELECT json_agg(json_build_object('locationId', sl.location_id, 'code', l.code, 'priority', l.priority, 'skuId', sl.sku_id,
              'free', sl.quantity - sl.received - sl.reserved))
        FROM supply_lines sl JOIN locations l ON l.id = sl.location_id AND l.active
        WHERE sl.open AND sl.sku_id IN (SELECT id FROM k) AND sl.quantity - sl.received - sl.reserved > 0
          AND sl.expected_on <= current_date + coalesce((SELECT presale_days FROM ch), 0)) AS incoming,
      (SELECT o.id FROM orders o WHERE o.channel_id = (SELECT id FROM ch) AND o.external_ref = ${input.externalRef}) AS existing,
      (SELECT floor(extract(epoch FROM now() - max(o.placed_at)) / 60)::int FROM orders o
        WHERE o.customer_id = (SELECT id FROM cu) AND o.items_signature = ${signature}
          AND o.placed_at > now() - interval '1 day' AND o.status <> 'cancelled') AS minutes_since_identical
  `.execute(trx);
  return result.rows[0] as Facts;
}

export async function captureOrder(trx: Trx, input: CaptureOrder, ctx: CommandContext): Promise<CommandOutcome<Order>> {
  const mismatch = totalsMismatch(input);
  if (mismatch.length > 0) {
    throw new AppError('validation_failed', `the totals do not add up: ${mismatch.map((m) => `${m.path}: ${m.message}`).join('; ')}`, { errors: mismatch });
  }
  const email = normaliseEmail(input.customer.email) ?? null;
  const phone = normalisePhone(input.customer.phone) ?? null;
  if (!email && !phone) {
    throw new AppError('validation_failed', 'the customer needs an email or a phone number', { errors: [{ path: '/body/customer', message: 'give email or phone' }] });
  }
  const deliveryMethod = input.deliveryMethod ?? (input.pickupLocation ? 'pickup' : 'ship');
  if (deliveryMethod === 'pickup' && !input.pickupLocation) {
    throw new AppError('validation_failed', 'a pickup order needs pickupLocation', { errors: [{ path: '/body/pickupLocation', message: 'required for pickup' }] });
  }
  const signature = itemsSignature(input.lines);
  const facts = await readFacts(trx, input, email, phone, signature, ctx.idempotency);
  checkClaim(ctx.idempotency, facts);

  const channel = facts.channel;
  if (!channel) throw new AppError('not_found', `unknown channel "${input.channel}"`, { missing: [{ kind: 'channel', ref: input.channel }] });
  if (facts.existing) {
    const order = await loadOrder(trx, facts.existing);
    return { status: 200, body: { ...order, duplicate: true }, audit: null };
  }
  if (!channel.active) throw new AppError('invalid_state', `channel ${channel.code} is inactive; activate it to take orders`);
  if (input.currency !== channel.currency) {
    throw new AppError('validation_failed', `channel ${channel.code} sells in ${channel.currency}, not ${input.currency}`, {
      errors: [{ path: '/body/currency', message: `expected ${channel.currency}` }],
    });
  }
  const skuByRef = new Map<string, { id: string; code: string; active: boolean }>();
  for (const s of facts.skus ?? []) {
    skuByRef.set(s.code, s);
    skuByRef.set(s.id, s);
  }
  const unknown = [...new Set(input.lines.map((l) => l.sku).filter((ref) => !skuByRef.has(ref)))];
  if (unknown.length > 0) {
    throw new AppError('not_found', `unknown SKU ${unknown.map((u) => `"${u}"`).join(', ')}`, { missing: unknown.map((ref) => ({ kind: 'sku', ref })) });
  }
  const inactive = input.lines.map((l, i) => ({ i, sku: skuByRef.get(l.sku) })).filter((x) => x.sku && !x.sku.active);
  if (inactive.length > 0) {
    throw new AppError('validation_failed', `SKU ${inactive.map((x) => x.sku?.code).join(', ')} is not active`, {
      errors: inactive.map((x) => ({ path: `/body/lines/${x.i}/sku`, message: 'inactive SKU' })),
    });
  }
  if (deliveryMethod === 'pickup' && (!facts.pickup || !facts.pickup.active || !facts.pickup.can_pickup)) {
    if (!facts.pickup) throw new AppError('not_found', `unknown location "${input.pickupLocation}"`);
    throw new AppError('validation_failed', `location ${facts.pickup.code} does not offer pickup`, { errors: [{ path: '/body/pickupLocation', message: 'not a pickup location' }] });
  }

  // Where each line is reserved.
  const lines = input.lines.map((l, index) => ({ index, skuId: (skuByRef.get(l.sku) as { id: string }).id, quantity: l.quantity, input: l }));
  const candidates = new Map<string, Candidate>();
  for (const s of facts.stock ?? []) {
    const c = candidates.get(s.locationId) ?? { locationId: s.locationId, code: s.code, priority: s.priority, canShip: s.canShip, canPickup: s.canPickup, free: new Map() };
    c.free.set(s.skuId, s.free);
    candidates.set(s.locationId, c);
  }
  const choice = chooseLocations(lines, [...candidates.values()], { method: deliveryMethod, pickupLocationId: facts.pickup?.id ?? null });
  // Lines no location covers: presale from incoming supply, else backorder, if the channel allows; else refuse.
  const presale = new Map<number, string>();
  const backordered = new Set<number>();
  const incoming = [...(facts.incoming ?? [])].sort((a, b) => a.priority - b.priority);
  for (const index of choice.uncovered) {
    const line = lines[index] as (typeof lines)[number];
    const supply = deliveryMethod === 'ship' ? incoming.find((s) => s.skuId === line.skuId && s.free >= line.quantity) : undefined;
    if (supply && channel.presale_days > 0) {
      supply.free -= line.quantity;
      presale.set(index, supply.locationId);
    } else if (channel.allow_backorder) {
      backordered.add(index);
    }
  }
  const short = choice.uncovered.filter((i) => !presale.has(i) && !backordered.has(i));
  if (short.length > 0) {
    const available = (skuId: string) => [...candidates.values()].filter((c) => deliveryMethod === 'pickup' ? c.locationId === facts.pickup?.id : c.canShip)
      .reduce((a, c) => Math.max(a, c.free.get(skuId) ?? 0), 0);
    const details = short.map((index) => {
      const l = lines[index] as (typeof lines)[number];
      return { index, sku: l.input.sku, skuId: l.skuId, requested: l.quantity, available: available(l.skuId), shortBy: l.quantity - available(l.skuId) };
    });
    throw new AppError('insufficient_stock', `not enough stock for ${details.map((d) => `line ${d.index} (${d.sku}: ${d.requested} requested, ${d.available} available in one location)`).join(', ')}; nothing was captured`, { lines: details });
  }

  // Review.
  const unitsPerSku = new Map<string, number>();
  for (const l of lines) unitsPerSku.set(l.skuId, (unitsPerSku.get(l.skuId) ?? 0) + l.quantity);
  const facts4review: ReviewFacts = {
    'order.totalMinor': input.totals.totalMinor,
    'order.subtotalMinor': input.totals.subtotalMinor,
    'order.currency': input.currency,
    'order.lineCount': input.lines.length,
    'order.totalUnits': lines.reduce((a, l) => a + l.quantity, 0),
    'order.maxUnitsPerSku': Math.max(...unitsPerSku.values()),
    'order.hasRemark': Boolean(input.buyerRemark?.trim()),
    'order.buyerRemark': input.buyerRemark ?? null,
    'order.deliveryMethod': deliveryMethod,
    'order.channel': channel.code,
    'order.shippingCountry': input.shippingAddress?.country ?? null,
    'order.isB2b': input.customer.type === 'business' || Boolean(input.purchaseOrderNumber),
    'address.valid': deliveryMethod === 'pickup' || addressProblems(input.shippingAddress).length === 0,
    'payment.authorized': (input.payment?.authorizedMinor ?? 0) >= input.totals.totalMinor,
    'payment.method': input.payment?.method ?? null,
    'customer.blocked': facts.customer?.blocked ?? false,
    'customer.email': email,
    'customer.isNew': facts.customer === null,
    'duplicate.minutesSinceIdentical': facts.minutes_since_identical,
  };
  const outcome = review(facts.rules ?? [], facts4review);

  const status: OrderStatus = outcome.holds.length > 0 ? 'on_hold' : backordered.size > 0 ? 'confirmed' : 'allocated';
  const orderId = newId();
  const lineIds = lines.map(() => newId());
  const placedAt = input.placedAt ? new Date(input.placedAt) : new Date();
  const path = status === 'on_hold' ? (['received', 'on_hold'] as const) : status === 'confirmed' ? (['received', 'confirmed'] as const) : (['received', 'confirmed', 'allocated'] as const);
  const timeline = path.map((to, i) => ({
    type: i === 0 ? 'placed' : 'status_changed',
    from: i === 0 ? null : path[i - 1],
    to,
    message: i === 0 ? `Order placed on ${channel.code} as ${input.externalRef}`
      : to === 'on_hold' ? `Held for review: ${outcome.holds.map((h) => h.reasonCode).join(', ')}`
        : to === 'confirmed' ? (backordered.size > 0 ? `Confirmed; ${backordered.size} line(s) backordered` : 'Passed review')
          : 'Every line reserved',
    event: statusEvents[to],
  }));
  const search = [input.customer.name, email, phone, input.customer.company, input.shippingAddress?.name, input.shippingAddress?.line1,
    input.shippingAddress?.city, input.shippingAddress?.postalCode, input.externalRef].filter(Boolean).join(' ').toLowerCase();
  const customerId = facts.customer?.id ?? newId();

  const onHandLines = lines.filter((l) => choice.assigned.has(l.index));
  if (facts.allocated_skus?.length) {
    await checkChannelAllocation(trx, channel.id, onHandLines.map((l) => ({ skuId: l.skuId, locationId: choice.assigned.get(l.index) as string, quantity: l.quantity })));
  }

  // The answer is known before writing: it is stored with the order (Idempotency-Key) and returned as is.
  const now = new Date();
  const number = `${channel.order_number_prefix}${facts.order_seq}`;
  const trackingToken = randomBytes(18).toString('base64url');
  const locationCode = new Map<string, string>([...candidates.values()].map((c) => [c.locationId, c.code]));
  const holdRows = outcome.holds.map((h) => ({ id: newId(), ...h }));
  const customer = facts.customer ?? { id: customerId, name: input.customer.name, email, phone };
  const lineRows = lines.map((l, i) => {
    const locationId = choice.assigned.get(i) ?? presale.get(i) ?? null;
    const allocated = backordered.has(i) ? 0 : l.quantity;
    return {
      id: lineIds[i] as string, lineNo: i + 1, sku: (skuByRef.get(l.input.sku) as { code: string }).code, skuId: l.skuId,
      locationId, location: locationId ? (locationCode.get(locationId) ?? facts.incoming?.find((x) => x.locationId === locationId)?.code ?? null) : null,
      quantity: l.quantity, allocated, shipped: 0, cancelled: 0, returned: 0, backordered: backordered.has(i) ? l.quantity : 0,
      unitPriceMinor: l.input.unitPriceMinor, discountMinor: l.input.discountMinor ?? 0, taxMinor: l.input.taxMinor ?? 0,
      totalMinor: l.input.unitPriceMinor * l.quantity - (l.input.discountMinor ?? 0) + (l.input.taxMinor ?? 0),
    };
  });
  const order: Order = {
    id: orderId, number, channel: channel.code, externalRef: input.externalRef, status,
    customer: { id: customer.id, name: customer.name, email: customer.email, phone: customer.phone },
    currency: input.currency, totals: input.totals,
    payment: input.payment ? { method: input.payment.method, authorizedMinor: input.payment.authorizedMinor } : null,
    deliveryMethod, pickupLocation: facts.pickup?.code ?? null,
    shippingAddress: input.shippingAddress ?? null, billingAddress: input.billingAddress ?? null,
    buyerRemark: input.buyerRemark ?? null, purchaseOrderNumber: input.purchaseOrderNumber ?? null, enteredBy: input.enteredBy ?? null,
    lines: lineRows.map(({ locationId: _locationId, ...line }) => line),
    holds: holdRows.map((h) => ({ id: h.id, reasonCode: h.reasonCode, rule: h.rule, note: null, status: 'open' as const, createdAt: now.toISOString(), decidedAt: null, decidedBy: null })),
    flags: outcome.flags.map((f) => f.reasonCode).sort(),
    trackingToken, mergedInto: null, splitFrom: null, placedAt: placedAt.toISOString(), updatedAt: now.toISOString(), version: 1,
  };
  const audit = { action: 'order.captured', entityType: 'order', entityId: orderId, details: { channel: channel.code, externalRef: input.externalRef } };
  const movements = movementCtes(
    onHandLines.map((l) => ({ skuId: l.skuId, locationId: choice.assigned.get(l.index) as string, reserved: l.quantity, reason: 'reservation' as const, referenceType: 'order_line', referenceId: lineIds[l.index] as string })),
    {
      guard: 'available', actor: ctx.actorName, gate: sql<boolean>`EXISTS (SELECT 1 FROM ord)`,
      reservations: onHandLines.map((l) => ({
        id: newId(), skuId: l.skuId, locationId: choice.assigned.get(l.index) as string, channelId: channel.id, quantity: l.quantity,
        referenceType: 'order_line', referenceId: lineIds[l.index] as string, expiresAt: null,
      })),
    },
  );

  const written = await sql<{ orderId: string | null; moved: MovementRow[] | null }>`
    WITH cust AS (
      INSERT INTO customers (id, email, phone, name, type, company, vat_id)
      SELECT ${customerId}::uuid, ${email}, ${phone}, ${input.customer.name}, ${input.customer.type ?? 'person'}, ${input.customer.company ?? null}, ${input.customer.vatId ?? null}
      WHERE ${facts.customer === null}
      ON CONFLICT DO NOTHING
      RETURNING id
    ),
    ord AS (
      INSERT INTO orders (id, number, channel_id, external_ref, customer_id, status, currency, subtotal_minor, discount_minor,
        shipping_minor, tax_minor, total_minor, payment_method, payment_authorized_minor, delivery_method, pickup_location_id,
        shipping_address, billing_address, buyer_remark, purchase_order_number, entered_by, search_text, tracking_token,
        items_signature, placed_at, created_at, updated_at)
      VALUES (${orderId}, ${number}, ${channel.id}, ${input.externalRef},
        coalesce((SELECT id FROM cust), (${customerOf(email, phone, sql`id`)}), ${customerId}::uuid),
        ${status}, ${input.currency}, ${input.totals.subtotalMinor}, ${input.totals.discountMinor}, ${input.totals.shippingMinor},
        ${input.totals.taxMinor}, ${input.totals.totalMinor}, ${input.payment?.method ?? null}, ${input.payment?.authorizedMinor ?? 0},
        ${deliveryMethod}, ${facts.pickup?.id ?? null}, ${input.shippingAddress ? JSON.stringify(input.shippingAddress) : null}::jsonb,
        ${input.billingAddress ? JSON.stringify(input.billingAddress) : null}::jsonb, ${input.buyerRemark ?? null},
        ${input.purchaseOrderNumber ?? null}, ${input.enteredBy ?? null}, ${search}, ${trackingToken}, ${signature}, ${placedAt}, ${now}, ${now})
      ON CONFLICT (channel_id, external_ref) DO NOTHING
      RETURNING id
    ),
    lines AS (
      INSERT INTO order_lines (id, order_id, line_no, sku_id, location_id, quantity, allocated, backordered, unit_price_minor, discount_minor, tax_minor)
      SELECT x.id, (SELECT id FROM ord), x.line_no, x.sku_id, x.location_id, x.quantity, x.allocated, x.backordered, x.unit_price_minor, x.discount_minor, x.tax_minor
      FROM jsonb_to_recordset(${JSON.stringify(lineRows.map((l) => ({
        id: l.id, line_no: l.lineNo, sku_id: l.skuId, location_id: l.locationId, quantity: l.quantity, allocated: l.allocated,
        backordered: l.backordered, unit_price_minor: l.unitPriceMinor, discount_minor: l.discountMinor, tax_minor: l.taxMinor,
      })))}::jsonb) AS x(id uuid, line_no int, sku_id uuid, location_id uuid, quantity int, allocated int, backordered int,
        unit_price_minor bigint, discount_minor bigint, tax_minor bigint)
      WHERE EXISTS (SELECT 1 FROM ord)
    ),
    holds AS (
      INSERT INTO order_holds (id, order_id, reason_code, rule_id, created_at)
      SELECT x.id, (SELECT id FROM ord), x.reason_code, x.rule_id, ${now}
      FROM jsonb_to_recordset(${JSON.stringify(holdRows.map((h) => ({ id: h.id, reason_code: h.reasonCode, rule_id: h.ruleId })))}::jsonb) AS x(id uuid, reason_code text, rule_id uuid)
      WHERE EXISTS (SELECT 1 FROM ord)
    ),
    flags AS (
      INSERT INTO order_flags (order_id, reason_code, rule_id)
      SELECT (SELECT id FROM ord), x.reason_code, x.rule_id
      FROM jsonb_to_recordset(${JSON.stringify(outcome.flags.map((h) => ({ reason_code: h.reasonCode, rule_id: h.ruleId })))}::jsonb) AS x(reason_code text, rule_id uuid)
      WHERE EXISTS (SELECT 1 FROM ord)
    ),
    tl AS (
      INSERT INTO order_timeline (order_id, actor, type, from_status, to_status, message, details)
      SELECT (SELECT id FROM ord), ${ctx.actorName}, x.type, x.from, x.to, x.message, '{}'::jsonb
      FROM jsonb_to_recordset(${JSON.stringify(timeline)}::jsonb) AS x(type text, "from" text, "to" text, message text, event text)
      WHERE EXISTS (SELECT 1 FROM ord)
    ),
    events AS (
      INSERT INTO outbox_events (type, aggregate_type, aggregate_id, payload)
      SELECT x.event, 'order', (SELECT id FROM ord)::text,
             jsonb_build_object('orderId', (SELECT id FROM ord), 'channel', ${channel.code}::text, 'externalRef', ${input.externalRef}::text,
                                'from', x.from, 'to', x.to, 'totalMinor', ${input.totals.totalMinor}::bigint, 'currency', ${input.currency}::text,
                                'version', 1)
      FROM jsonb_to_recordset(${JSON.stringify(timeline)}::jsonb) AS x("from" text, "to" text, event text)
      WHERE EXISTS (SELECT 1 FROM ord)
    ),
    ${auditCte(ctx, audit, sql<boolean>`EXISTS (SELECT 1 FROM ord)`)},
    store AS (
      UPDATE idempotency_keys SET response_status = 201, response_body = ${JSON.stringify(order)}::jsonb
      WHERE principal_id = ${ctx.idempotency?.principalId ?? null} AND key = ${ctx.idempotency?.key ?? null} AND EXISTS (SELECT 1 FROM ord)
    ),
    ${movements}
    SELECT (SELECT id FROM ord) AS "orderId", (SELECT json_agg(r) FROM (${movementResult}) r) AS moved
  `.execute(trx);
  const row = written.rows[0];

  if (!row?.orderId) {
    // The same (channel, external reference) was captured by a concurrent request that committed first.
    const existing = await trx.selectFrom('orders').select('id').where('channel_id', '=', channel.id).where('external_ref', '=', input.externalRef).executeTakeFirstOrThrow();
    return { status: 200, body: { ...(await loadOrder(trx, existing.id)), duplicate: true }, audit: null };
  }
  const { refused } = interpretMovements(row.moved ?? []);
  if (refused.length > 0) await stockMoved(trx, ctx, lines, choice.assigned, refused);
  for (const [index, locationId] of presale) {
    const line = lines[index] as (typeof lines)[number];
    const promised = await reserveIncoming(trx, line.skuId, locationId, line.quantity, addDays(now, channel.presale_days));
    if (!promised) throw new RetryCommand('incoming supply was promised meanwhile');
    await insertIncomingReservations(trx, [{ id: newId(), skuId: line.skuId, locationId, channelId: channel.id, supplyLineId: promised.id, quantity: line.quantity, referenceType: 'order_line', referenceId: lineIds[index] as string, expiresAt: null }]);
  }
  return { status: 201, body: order, audit, persisted: true };
}

const addDays = (from: Date, days: number) => new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Stock read a moment ago was taken by a concurrent order: decide again on fresh numbers (the runner retries the
 * whole capture), or, on the last try, refuse with each short line and what is free there now.
 */
async function stockMoved(
  trx: Trx, ctx: CommandContext, lines: readonly { index: number; skuId: string; quantity: number }[],
  assigned: ReadonlyMap<number, string>, refused: readonly { skuId: string; locationId: string }[],
): Promise<never> {
  if (ctx.attempt < 3) throw new RetryCommand('stock moved during capture');
  const short = lines.filter((l) => refused.some((r) => r.skuId === l.skuId && r.locationId === assigned.get(l.index)));
  const levels = await findLevels(trx, short.map((l) => ({ skuId: l.skuId, locationId: assigned.get(l.index) as string })));
  const details = short.map((l, k) => {
    const level = levels[k];
    const available = level ? Math.max(0, level.onHand - level.reserved - level.quarantined - level.safetyStock) : 0;
    return { index: l.index, skuId: l.skuId, locationId: assigned.get(l.index), requested: l.quantity, available, shortBy: Math.max(1, l.quantity - available) };
  });
  throw new AppError('insufficient_stock', `not enough stock; nothing was captured (${details.map((d) => `line ${d.index}: ${d.requested} requested, ${d.available} available`).join('; ')})`, { lines: details });
}
