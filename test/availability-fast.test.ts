/**
 * The availability answers (built in one statement by PostgreSQL, availabilityJson) equal a plain computation in
 * TypeScript over the raw rows — stock rows, open reservations, allocation rules, open supply, bundle components,
 * active flags — for random states; and their channel numbers equal what the signals publish (ordo_channel_atp).
 * Each run writes a world of its own (new SKUs, locations and channels) and deactivates its channels at the end, so
 * runs do not see each other's quotas.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { publishedCompactJson } from '../src/inventory/availability.repository.js';
import { newId } from '../src/shared/ids.js';
import { useTestApp } from './harness.js';

const t = useTestApp();
const today = new Date();
const isoDay = (days: number) => new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);

interface Stock { sku: number; loc: number; onHand: number; reserved: number; quarantined: number; safety: number }
interface Reservation { sku: number; loc: number; channel: number | null; quantity: number; presale: boolean }
interface Rule { channel: number; sku: number | null; units: number | null; percent: number | null }
interface Supply { sku: number; loc: number; quantity: number; received: number; reserved: number; inDays: number; open: boolean }

interface World {
  locActive: boolean[];
  chanActive: boolean[];
  presaleDays: number[];
  stock: Stock[];
  reservations: Reservation[];
  rules: Rule[];
  supply: Supply[];
  /** SKU 4 is a bundle of these components (SKUs 0-3) when non-empty. */
  bundle: { sku: number; quantity: number }[];
}

const SKUS = 5;
const LOCS = 3;
const CHANS = 3;

const world: fc.Arbitrary<World> = fc.record({
  // Mostly active, so that bundles (every component stocked) and channel numbers are often above 0.
  locActive: fc.array(fc.constantFrom(true, true, false), { minLength: LOCS, maxLength: LOCS }),
  chanActive: fc.array(fc.constantFrom(true, true, true, false), { minLength: CHANS, maxLength: CHANS }),
  presaleDays: fc.array(fc.constantFrom(0, 0, 3, 10), { minLength: CHANS, maxLength: CHANS }),
  stock: fc.uniqueArray(
    fc.record({ sku: fc.integer({ min: 0, max: SKUS - 1 }), loc: fc.integer({ min: 0, max: LOCS - 1 }), onHand: fc.integer({ min: 0, max: 40 }),
      reserved: fc.integer({ min: 0, max: 40 }), quarantined: fc.integer({ min: 0, max: 10 }), safety: fc.integer({ min: 0, max: 8 }) })
      .map((s) => ({ ...s, reserved: Math.min(s.reserved, s.onHand), quarantined: Math.min(s.quarantined, s.onHand - Math.min(s.reserved, s.onHand)) })),
    { selector: (s) => `${s.sku}/${s.loc}`, minLength: 4, maxLength: 15 },
  ),
  reservations: fc.array(fc.record({
    sku: fc.integer({ min: 0, max: SKUS - 1 }), loc: fc.integer({ min: 0, max: LOCS - 1 }),
    channel: fc.option(fc.integer({ min: 0, max: CHANS - 1 })), quantity: fc.integer({ min: 1, max: 12 }), presale: fc.boolean(),
  }), { maxLength: 8 }),
  rules: fc.uniqueArray(fc.record({
    channel: fc.integer({ min: 0, max: CHANS - 1 }), sku: fc.option(fc.integer({ min: 0, max: SKUS - 1 })),
    units: fc.option(fc.integer({ min: 0, max: 30 })), percent: fc.constantFrom(5, 12.5, 33.33, 50, 100),
  }).map((r) => ({ ...r, percent: r.units === null ? r.percent : null })), { selector: (r) => `${r.channel}/${r.sku}`, maxLength: 6 }),
  supply: fc.array(fc.record({
    sku: fc.integer({ min: 0, max: SKUS - 1 }), loc: fc.integer({ min: 0, max: LOCS - 1 }), quantity: fc.integer({ min: 1, max: 30 }),
    received: fc.integer({ min: 0, max: 30 }), reserved: fc.integer({ min: 0, max: 30 }), inDays: fc.integer({ min: -2, max: 20 }), open: fc.boolean(),
  }).map((s) => ({ ...s, received: Math.min(s.received, s.quantity), reserved: Math.min(s.reserved, s.quantity - Math.min(s.received, s.quantity)) })), { maxLength: 6 }),
  bundle: fc.uniqueArray(fc.record({ sku: fc.integer({ min: 0, max: SKUS - 2 }), quantity: fc.integer({ min: 2, max: 4 }) }), { selector: (c) => c.sku, maxLength: 3 }),
}).map((w) => ({
  // A bundle's components are stocked at the first location (always active), so that bundles are often available.
  ...w,
  locActive: [true, ...w.locActive.slice(1)],
  stock: [...w.stock.filter((s) => !(s.loc === 0 && w.bundle.some((c) => c.sku === s.sku))),
    ...w.bundle.map((c) => ({ sku: c.sku, loc: 0, onHand: 8 + 3 * c.sku, reserved: 1, quarantined: 0, safety: 0 }))],
}));

interface Ids { skus: string[]; codes: string[]; locs: string[]; chans: string[]; chanCodes: string[] }

async function write(w: World, run: number): Promise<Ids> {
  const tag = `AF${run}-${newId().slice(-6)}`;
  const ids: Ids = {
    skus: Array.from({ length: SKUS }, () => newId()), codes: Array.from({ length: SKUS }, (_, i) => `${tag}-S${i}`),
    locs: Array.from({ length: LOCS }, () => newId()), chans: Array.from({ length: CHANS }, () => newId()),
    chanCodes: Array.from({ length: CHANS }, (_, i) => `${tag}-C${i}`),
  };
  await t.db.transaction().execute(async (trx) => {
    await trx.insertInto('skus').values(ids.skus.map((id, i) => ({ id, code: ids.codes[i] ?? '', name: `sku ${i}`, attributes: '{}' }))).execute();
    await trx.insertInto('locations').values(ids.locs.map((id, i) => ({ id, code: `${tag}-L${i}`, name: `loc ${i}`, type: 'warehouse', active: w.locActive[i] ?? true }))).execute();
    await trx.insertInto('channels').values(ids.chans.map((id, i) => ({
      id, code: ids.chanCodes[i] ?? '', name: `chan ${i}`, type: 'web', currency: 'EUR', active: w.chanActive[i] ?? true, presale_days: w.presaleDays[i] ?? 0,
    }))).execute();
    if (w.bundle.length > 0) {
      await trx.insertInto('sku_components').values(w.bundle.map((c) => ({ bundle_sku_id: ids.skus[SKUS - 1] ?? '', component_sku_id: ids.skus[c.sku] ?? '', quantity: c.quantity }))).execute();
    }
    if (w.stock.length > 0) {
      await trx.insertInto('stock_levels').values(w.stock.map((s) => ({
        sku_id: ids.skus[s.sku] ?? '', location_id: ids.locs[s.loc] ?? '', on_hand: s.onHand, reserved: s.reserved, quarantined: s.quarantined, safety_stock: s.safety,
      }))).execute();
    }
    if (w.rules.length > 0) {
      await trx.insertInto('channel_allocations').values(w.rules.map((r) => ({
        id: newId(), channel_id: ids.chans[r.channel] ?? '', sku_id: r.sku === null ? null : (ids.skus[r.sku] ?? ''), quota_units: r.units, quota_percent: r.percent === null ? null : String(r.percent),
      }))).execute();
    }
    const lineIds: string[] = [];
    for (const [i, s] of w.supply.entries()) {
      const orderId = newId();
      await trx.insertInto('supply_orders').values({ id: orderId, type: 'purchase_order', location_id: ids.locs[s.loc] ?? '', status: 'open', expected_on: isoDay(s.inDays) }).execute();
      const id = newId();
      lineIds[i] = id;
      await trx.insertInto('supply_lines').values({
        id, supply_order_id: orderId, sku_id: ids.skus[s.sku] ?? '', location_id: ids.locs[s.loc] ?? '', quantity: s.quantity, received: s.received,
        reserved: s.reserved, expected_on: isoDay(s.inDays), open: s.open,
      }).execute();
    }
    if (w.reservations.length > 0) {
      await trx.insertInto('reservations').values(w.reservations.map((r, i) => ({
        id: newId(), sku_id: ids.skus[r.sku] ?? '', location_id: ids.locs[r.loc] ?? '', channel_id: r.channel === null ? null : (ids.chans[r.channel] ?? null),
        supply_line_id: r.presale && lineIds.length > 0 ? (lineIds[i % lineIds.length] ?? null) : null,
        quantity: r.quantity, status: 'open', reference_type: 'prop', reference_id: `r${i}`,
      }))).execute();
    }
    // The rows above were written directly (reservations and rules publish nothing by themselves here): publish what
    // the app would have published after each change, as publishSignals does.
    const pairs = w.stock.map((s) => ({ sku: ids.skus[s.sku] ?? '', loc: ids.locs[s.loc] ?? '' }));
    await sql`SELECT ordo_publish_signals(${ids.skus}::uuid[], ${pairs.map((p) => p.sku)}::uuid[], ${pairs.map((p) => p.loc)}::uuid[])`.execute(trx);
  });
  return ids;
}

// ---- the reference: the definitions of availability.repository.ts, one SKU at a time over the world's rows -------

const free = (s: Stock) => Math.max(0, s.onHand - s.reserved - s.quarantined - s.safety);
const sellable = (s: Stock) => Math.max(0, s.onHand - s.quarantined - s.safety);
const unpromised = (s: Supply) => s.quantity - s.received - s.reserved;

function locationNumbers(w: World, sku: number, locs: (loc: number) => boolean, date: number | null) {
  const rows = w.stock.filter((s) => s.sku === sku && locs(s.loc));
  const sum = (f: (s: Stock) => number) => rows.reduce((a, s) => a + f(s), 0);
  const incoming = date === null ? 0 : w.supply.filter((s) => s.sku === sku && s.open && locs(s.loc) && s.inDays <= date).reduce((a, s) => a + unpromised(s), 0);
  return { onHand: sum((s) => s.onHand), reserved: sum((s) => s.reserved), quarantined: sum((s) => s.quarantined), safetyStock: sum((s) => s.safety), available: sum(free), incoming };
}

function channelAtp(w: World, sku: number, channel: number): number {
  if (!w.chanActive[channel]) return 0;
  const rows = w.stock.filter((s) => s.sku === sku && w.locActive[s.loc]);
  const base = rows.reduce((a, s) => a + sellable(s), 0);
  const freeUnits = rows.reduce((a, s) => a + free(s), 0);
  const reserved = rows.reduce((a, s) => a + Math.min(s.reserved, sellable(s)), 0);
  const quotaOf = (c: number): number | null => {
    const rule = w.rules.find((r) => r.channel === c && r.sku === sku) ?? w.rules.find((r) => r.channel === c && r.sku === null);
    if (!rule) return null;
    return rule.units ?? Math.floor(((rule.percent ?? 0) * base) / 100 + 1e-9);
  };
  const usedBy = (c: number) => w.reservations.filter((r) => r.sku === sku && r.channel === c && !(r.presale && w.supply.length > 0)).reduce((a, r) => a + r.quantity, 0);
  let quotas = 0;
  let inside = 0;
  for (let c = 0; c < CHANS; c++) {
    const q = w.chanActive[c] ? quotaOf(c) : null;
    if (q === null) continue;
    quotas += q;
    inside += Math.min(usedBy(c), q);
  }
  const mine = quotaOf(channel);
  const mineLeft = mine === null ? 0 : Math.max(0, mine - usedBy(channel));
  const pool = Math.max(0, Math.max(0, base - quotas) - (reserved - inside));
  const presaleDays = w.presaleDays[channel] ?? 0;
  const presale = presaleDays > 0
    ? w.supply.filter((s) => s.sku === sku && s.open && w.locActive[s.loc] && s.inDays <= presaleDays).reduce((a, s) => a + unpromised(s), 0)
    : 0;
  return Math.min(freeUnits, mineLeft + pool) + presale;
}

/** Per delivery method (every location here ships, none offers pickup): free at active shipping locations asked, and the most at one. */
function lineNumbers(w: World, sku: number, locs: (loc: number) => boolean) {
  const rows = w.stock.filter((s) => s.sku === sku && locs(s.loc) && w.locActive[s.loc]);
  return { ship: rows.reduce((a, s) => a + free(s), 0), line: rows.reduce((a, s) => Math.max(a, free(s)), 0) };
}

function reference(w: World, ids: Ids, q: { channel: number | null; locs: number[] | null; date: number | null }) {
  const locs = (loc: number) => (q.locs === null ? (w.locActive[loc] ?? false) : q.locs.includes(loc));
  const isBundle = w.bundle.length > 0;
  return ids.skus.map((skuId, sku) => {
    let n = locationNumbers(w, sku, locs, q.date);
    let byLine = lineNumbers(w, sku, locs);
    let chan = q.channel === null ? 0 : channelAtp(w, sku, q.channel);
    if (isBundle && sku === SKUS - 1) {
      const parts = w.bundle.map((c) => ({ c, n: locationNumbers(w, c.sku, locs, q.date), chan: q.channel === null ? 0 : channelAtp(w, c.sku, q.channel) }));
      const available = Math.min(...parts.map((p) => Math.floor(p.n.available / p.c.quantity)));
      const incoming = Math.min(...parts.map((p) => Math.floor((p.n.available + p.n.incoming) / p.c.quantity) - Math.floor(p.n.available / p.c.quantity)));
      n = { onHand: 0, reserved: 0, quarantined: 0, safetyStock: 0, available, incoming };
      chan = Math.min(...parts.map((p) => Math.floor(p.chan / p.c.quantity)));
      const lineParts = w.bundle.map((c) => ({ c, l: lineNumbers(w, c.sku, locs) }));
      byLine = { ship: Math.min(...lineParts.map((p) => Math.floor(p.l.ship / p.c.quantity))), line: Math.min(...lineParts.map((p) => Math.floor(p.l.line / p.c.quantity))) };
    }
    const channelId = q.channel === null ? null : (ids.chans[q.channel] ?? '');
    const channelAvailable = q.locs === null ? chan : Math.min(chan, n.available);
    const cap = (x: number) => (channelId === null ? x : Math.min(x, channelAvailable));
    return {
      sku: ids.codes[sku], skuId, ...n,
      availableOnDate: q.date === null ? null : n.available + n.incoming,
      channel: channelId === null ? null : { id: channelId, code: ids.chanCodes[q.channel ?? 0], available: channelAvailable },
      byDeliveryMethod: { ship: { available: cap(byLine.ship), largestLine: cap(byLine.line) }, pickup: { largestLine: cap(0) } },
    };
  });
}

describe('fast availability answers', () => {
  it('equal the reference computation over random stock, reservations, allocations and supply', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(
      world,
      fc.option(fc.integer({ min: 0, max: CHANS - 1 })),
      fc.option(fc.uniqueArray(fc.integer({ min: 0, max: LOCS - 1 }), { minLength: 1, maxLength: LOCS })),
      fc.option(fc.integer({ min: -1, max: 15 })),
      async (w, channel, locs, date) => {
        const ids = await write(w, run++);
        try {
          const body = {
            skus: [...ids.codes].reverse(), ...(channel !== null && { channel: ids.chanCodes[channel] }),
            ...(locs !== null && { location: locs.map((l) => ids.locs[l]) }), ...(date !== null && { date: isoDay(date) }),
          };
          const res = await t.http('POST', '/v1/availability/query', { body });
          expect(res.status).toBe(200);
          const want = reference(w, ids, { channel, locs, date }).reverse();
          expect(res.body.data).toEqual(want);

          // Compact with one channel over every active location answers from the published numbers
          // (channel_availability) unless the channel has a presale window; otherwise it is computed.
          const compact = await t.http('POST', '/v1/availability/query', { body: { ...body, view: 'compact' } });
          expect(compact.status).toBe(200);
          expect(compact.body.data).toEqual(want.map((x) => ({ sku: x.sku, available: x.channel?.available ?? x.available })));
          // SKUs named by id and by code, some twice (now all in the ref cache): one answer per SKU, in the order
          // first named.
          const named = [ids.skus[1], ids.codes[3], ids.codes[1], ids.skus[4], ids.skus[0], ids.codes[2], ids.codes[0], ids.skus[3]];
          const mixed = await t.http('POST', '/v1/availability/query', { body: { ...body, skus: named, view: 'compact' } });
          expect(mixed.status).toBe(200);
          const compactOf = new Map(want.map((x) => [x.sku, { sku: x.sku, available: x.channel?.available ?? x.available }]));
          expect(mixed.body.data).toEqual([1, 3, 4, 0, 2].map((i) => compactOf.get(ids.codes[i] ?? '')));

          if (channel !== null && locs === null) {
            // What the signals publish for the channel is the same number.
            const published = await sql<{ skuId: string; available: string }>`
              SELECT sku_id AS "skuId", available FROM ordo_channel_atp(${ids.skus}::uuid[], ${[ids.chans[channel]]}::uuid[], false)`.execute(t.db);
            const byId = new Map(published.rows.map((r) => [r.skuId, Number(r.available)]));
            for (const x of want) expect(byId.get(x.skuId) ?? 0).toBe(x.channel?.available);
          }

          if (channel !== null) {
            // The published-number path itself, whatever the channel's presale window: equal to the reference
            // (null only for a presale channel, whose number is computed).
            const channelId = ids.chans[channel] ?? '';
            const published = await publishedCompactJson(t.db, [...ids.skus].reverse(), [...ids.codes].reverse().map((c) => JSON.stringify(c)), channelId);
            // A named statement: on one connection, PostgreSQL plans its first five runs for their values and may then
            // keep a generic plan; every run answers the same.
            await t.db.transaction().execute(async (trx) => {
              for (let i = 0; i < 8; i++) {
                expect(await publishedCompactJson(trx, [...ids.skus].reverse(), [...ids.codes].reverse().map((c) => JSON.stringify(c)), channelId)).toBe(published);
              }
            });
            if ((w.presaleDays[channel] ?? 0) > 0) expect(published).toBeNull();
            else {
              const full = reference(w, ids, { channel, locs: null, date }).reverse();
              expect(JSON.parse(published ?? 'null').data).toEqual(full.map((x) => ({ sku: x.sku, available: x.channel?.available })));
              // An inactive channel sells nothing, whatever it published while active.
              await t.db.updateTable('channels').set({ active: false }).where('id', '=', channelId).execute();
              const closed = await publishedCompactJson(t.db, ids.skus, ids.codes.map((c) => JSON.stringify(c)), channelId);
              expect(JSON.parse(closed ?? 'null').data).toEqual(ids.codes.map((sku) => ({ sku, available: 0 })));
            }
          }
        } finally {
          await t.db.updateTable('channels').set({ active: false }).where('id', 'in', ids.chans).execute();
        }
      },
    ), { numRuns: 60 });
  }, 120_000);

  it('answers GET like POST, in the order asked, one answer per SKU', async () => {
    const w: World = {
      locActive: [true, true, false], chanActive: [true, true, true], presaleDays: [0, 5, 0],
      stock: [{ sku: 0, loc: 0, onHand: 10, reserved: 2, quarantined: 1, safety: 1 }, { sku: 1, loc: 2, onHand: 5, reserved: 0, quarantined: 0, safety: 0 }],
      reservations: [{ sku: 0, loc: 0, channel: 1, quantity: 2, presale: false }],
      rules: [{ channel: 1, sku: null, units: null, percent: 50 }],
      supply: [{ sku: 2, loc: 0, quantity: 7, received: 0, reserved: 0, inDays: 2, open: true }],
      bundle: [{ sku: 0, quantity: 4 }],
    };
    const ids = await write(w, 999);
    try {
      const codes = [ids.codes[2], ids.codes[0], ids.codes[2], ids.codes[1], ids.codes[4]];
      const get = await t.http('GET', `/v1/availability?channel=${ids.chanCodes[1]}&${codes.map((c) => `sku=${c}`).join('&')}`);
      const post = await t.http('POST', '/v1/availability/query', { body: { skus: codes, channel: ids.chanCodes[1] } });
      expect(get.status).toBe(200);
      expect(String(get.headers['content-type'])).toContain('application/json');
      expect(get.body).toEqual(post.body);
      expect(get.body.data.map((x: { sku: string }) => x.sku)).toEqual([ids.codes[2], ids.codes[0], ids.codes[1], ids.codes[4]]);
      // The bundle: 4 of SKU 0 each, whose 6 make 1 (whole bundles only).
      expect(get.body.data.map((x: { channel: { available: number } }) => x.channel.available)).toEqual([7, 6, 0, 1]);
      expect(get.body.data.map((x: { available: number }) => x.available)).toEqual([0, 6, 0, 1]);
    } finally {
      await t.db.updateTable('channels').set({ active: false }).where('id', 'in', ids.chans).execute();
    }
  });
});
