import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { findLevels } from '../src/inventory/stock.repository.js';
import { useTestApp } from './harness.js';

const t = useTestApp();

const skus = ['INV-A', 'INV-B', 'INV-C', 'INV-HOT', 'INV-ADJ', 'INV-Q', 'INV-TR', 'INV-PRE', 'INV-ALLOC', 'INV-LOW', 'INV-EXP', 'INV-COMP1', 'INV-COMP2', 'INV-KIT', 'INV-MIX1', 'INV-MIX2', 'INV-DEC1', 'INV-DEC2']
  .map((code) => ({ code, name: code }));

async function receive(location: string, lines: [string, number][]) {
  const res = await t.http('POST', '/v1/stock/receipts', { body: { location, lines: lines.map(([sku, quantity]) => ({ sku, quantity })) } });
  expect(res.status).toBe(201);
  return res.body;
}

async function level(sku: string, location: string) {
  const res = await t.http('GET', `/v1/stock?sku=${sku}&location=${location}`);
  return res.body.data[0] as { onHand: number; reserved: number; quarantined: number; available: number; safetyStock: number };
}

async function reserve(lines: { sku: string; location: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  return t.http('POST', '/v1/reservations', { key: 'operator', body: { reference: { type: 'test', id: 'r' }, lines, ...extra } });
}

beforeAll(async () => {
  expect((await t.http('POST', '/v1/skus/bulk', { body: { items: skus } })).status).toBe(200);
  for (const code of ['WH1', 'WH2']) {
    expect((await t.http('POST', '/v1/locations', { body: { code, name: code, type: 'warehouse' } })).status).toBe(201);
  }
  for (const [code, type, presaleDays] of [['WEB', 'web', 0], ['MKT', 'marketplace', 0], ['PRE', 'web', 30]] as const) {
    expect((await t.http('POST', '/v1/channels', { body: { code, name: code, type, currency: 'EUR', policy: { presaleDays } } })).status).toBe(201);
  }
});

describe('receiving and adjusting', () => {
  it('receives stock and records each unit in the ledger', async () => {
    const body = await receive('WH1', [['INV-A', 10], ['INV-B', 5]]);
    expect(body.levels).toHaveLength(2);
    expect(await level('INV-A', 'WH1')).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    const ledger = await t.http('GET', '/v1/stock/movements?sku=INV-A');
    expect(ledger.body.data).toEqual([expect.objectContaining({ reason: 'receipt', onHandDelta: 10, location: 'WH1' })]);
  });

  it('refuses an adjustment that would take on hand below reserved, naming both numbers', async () => {
    await receive('WH1', [['INV-ADJ', 10]]);
    expect((await reserve([{ sku: 'INV-ADJ', location: 'WH1', quantity: 6 }])).status).toBe(201);
    const res = await t.http('POST', '/v1/stock/adjustments', { body: { lines: [{ sku: 'INV-ADJ', location: 'WH1', delta: -5, reason: 'damaged' }] } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('stock_conflict');
    expect(res.body.detail).toContain('on hand would be 5 but 6 are reserved');
    expect(await level('INV-ADJ', 'WH1')).toMatchObject({ onHand: 10, reserved: 6 });
    const ok = await t.http('POST', '/v1/stock/adjustments', { body: { lines: [{ sku: 'INV-ADJ', location: 'WH1', delta: -4, reason: 'damaged' }] } });
    expect(ok.status).toBe(201);
    expect(await level('INV-ADJ', 'WH1')).toMatchObject({ onHand: 6, reserved: 6, available: 0 });
  });

  it('rejects zero, negative and fractional quantities, and unknown SKUs and locations', async () => {
    for (const quantity of [0, -1, 1.5]) {
      const res = await t.http('POST', '/v1/stock/receipts', { body: { location: 'WH1', lines: [{ sku: 'INV-A', quantity }] } });
      expect(res.status, String(quantity)).toBe(400);
    }
    const zero = await t.http('POST', '/v1/stock/adjustments', { body: { lines: [{ sku: 'INV-A', location: 'WH1', delta: 0, reason: 'x' }] } });
    expect(zero.status).toBe(400);
    const sku = await t.http('POST', '/v1/stock/receipts', { body: { location: 'WH1', lines: [{ sku: 'NOPE', quantity: 1 }] } });
    expect(sku.status).toBe(404);
    expect(sku.body.detail).toContain('SKU "NOPE"');
    const loc = await t.http('POST', '/v1/stock/receipts', { body: { location: 'NOWHERE', lines: [{ sku: 'INV-A', quantity: 1 }] } });
    expect(loc.status).toBe(404);
  });

  it('quarantines units and releases them to stock or writes them off', async () => {
    await receive('WH1', [['INV-Q', 10]]);
    await t.http('POST', '/v1/stock/quarantine', { body: { lines: [{ sku: 'INV-Q', location: 'WH1', quantity: 4, note: 'wet box' }] } });
    expect(await level('INV-Q', 'WH1')).toMatchObject({ onHand: 10, quarantined: 4, available: 6 });
    await t.http('POST', '/v1/stock/quarantine/release', { body: { lines: [{ sku: 'INV-Q', location: 'WH1', quantity: 1, disposition: 'restock' }, { sku: 'INV-Q', location: 'WH1', quantity: 3, disposition: 'write_off' }] } });
    expect(await level('INV-Q', 'WH1')).toMatchObject({ onHand: 7, quarantined: 0, available: 7 });
    const tooMuch = await t.http('POST', '/v1/stock/quarantine', { body: { lines: [{ sku: 'INV-Q', location: 'WH1', quantity: 8 }] } });
    expect(tooMuch.status).toBe(409);
  });
});

describe('transfers', () => {
  it('moves stock out of the source at once and into the destination on receipt', async () => {
    await receive('WH1', [['INV-TR', 10]]);
    const transfer = await t.http('POST', '/v1/stock/transfers', { body: { from: 'WH1', to: 'WH2', expectedOn: '2030-01-10', lines: [{ sku: 'INV-TR', quantity: 4 }] } });
    expect(transfer.status).toBe(201);
    expect(transfer.body).toMatchObject({ type: 'transfer', status: 'in_transit', sourceLocation: 'WH1', location: 'WH2' });
    expect(await level('INV-TR', 'WH1')).toMatchObject({ onHand: 6 });
    const atp = await t.http('GET', '/v1/availability?sku=INV-TR&location=WH2&date=2030-01-10');
    expect(atp.body.data[0]).toMatchObject({ available: 0, incoming: 4, availableOnDate: 4 });
    const received = await t.http('POST', `/v1/stock/transfers/${transfer.body.id}/receive`);
    expect(received.body.status).toBe('received');
    expect(await level('INV-TR', 'WH2')).toMatchObject({ onHand: 4 });
    const again = await t.http('POST', `/v1/stock/transfers/${transfer.body.id}/receive`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_state');
  });

  it('cannot move reserved units', async () => {
    const res = await t.http('POST', '/v1/stock/transfers', { body: { from: 'WH1', to: 'WH2', expectedOn: '2030-01-10', lines: [{ sku: 'INV-ADJ', quantity: 1 }] } });
    expect(res.status).toBe(409);
  });
});

describe('reservations', () => {
  it('reserves, releases and commits', async () => {
    await receive('WH2', [['INV-C', 10]]);
    const res = await reserve([{ sku: 'INV-C', location: 'WH2', quantity: 3 }]);
    expect(res.status).toBe(201);
    const [r] = res.body.reservations;
    expect(r).toMatchObject({ sku: 'INV-C', location: 'WH2', quantity: 3, status: 'open', source: 'on_hand' });
    expect(await level('INV-C', 'WH2')).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    const partial = await t.http('POST', `/v1/reservations/${r.id}/commit`, { body: { quantity: 1 } });
    expect(partial.body).toMatchObject({ quantity: 2, committed: 1, status: 'open' });
    expect(await level('INV-C', 'WH2')).toMatchObject({ onHand: 9, reserved: 2 });
    const released = await t.http('POST', `/v1/reservations/${r.id}/release`);
    expect(released.body).toMatchObject({ quantity: 0, released: 2, status: 'released' });
    expect(await level('INV-C', 'WH2')).toMatchObject({ onHand: 9, reserved: 0, available: 9 });
    const twice = await t.http('POST', `/v1/reservations/${r.id}/release`);
    expect(twice.status).toBe(409);
  });

  it('answers exactly what a read returns, audits it, and replays it for a repeated Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'reserve-once' };
    const body = { reference: { type: 'test', id: 'idem' }, lines: [{ sku: 'INV-C', location: 'WH2', quantity: 1 }, { sku: 'INV-C', location: 'WH2', quantity: 2 }] };
    const before = (await level('INV-C', 'WH2')).reserved;
    const answers = await Promise.all(Array.from({ length: 8 }, () => t.http('POST', '/v1/reservations', { body, headers })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect((await level('INV-C', 'WH2')).reserved).toBe(before + 3);
    const [first] = answers;
    for (const r of first!.body.reservations) expect((await t.http('GET', `/v1/reservations/${r.id}`)).body).toEqual(r);
    const audit = await t.http('GET', `/v1/audit-log?entityType=reservation&entityId=${first!.body.reservations[0].id}`);
    expect(audit.body.data).toHaveLength(1);
    expect((await t.http('POST', '/v1/reservations', { body: { ...body, lines: [body.lines[0]] }, headers })).status).toBe(409);
    for (const r of first!.body.reservations) await t.http('POST', `/v1/reservations/${r.id}/release`);
  });

  it('is all or nothing, and names the shortfall of each short line', async () => {
    const res = await reserve([
      { sku: 'INV-A', location: 'WH1', quantity: 2 },
      { sku: 'INV-B', location: 'WH1', quantity: 9 },
    ]);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('insufficient_stock');
    expect(res.body.lines).toEqual([expect.objectContaining({ index: 1, requested: 9, available: 5, shortBy: 4 })]);
    expect(await level('INV-A', 'WH1')).toMatchObject({ reserved: 0 });
  });

  it('200 concurrent single-unit reservations against 50 units: exactly 50 succeed', async () => {
    await receive('WH1', [['INV-HOT', 50]]);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      t.http('POST', '/v1/reservations', { key: 'operator', body: { reference: { type: 'test', id: `hot-${i}` }, lines: [{ sku: 'INV-HOT', location: 'WH1', quantity: 1 }] } })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(150);
    expect(answers.every((a) => a.status === 201 || a.body.code === 'insufficient_stock')).toBe(true);
    expect(await level('INV-HOT', 'WH1')).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
  });

  it('decides a batch in order, each request all or nothing: a refused one takes nothing from those after it', async () => {
    await receive('WH1', [['INV-DEC1', 5], ['INV-DEC2', 1]]);
    const ids = await t.db.selectFrom('skus').select(['id', 'code']).where('code', 'in', ['INV-DEC1', 'INV-DEC2']).execute();
    const sku = (code: string) => ids.find((r) => r.code === code)!.id;
    const wh1 = (await t.db.selectFrom('locations').select('id').where('code', '=', 'WH1').executeTakeFirstOrThrow()).id;
    const line = (item: number, code: string, quantity: number) => ({ item, sku_id: sku(code), location_id: wh1, quantity });
    const lines = [
      line(0, 'INV-DEC1', 2), line(0, 'INV-DEC1', 2), // 4 of 5, over two lines of one row
      line(1, 'INV-DEC2', 1), line(1, 'INV-DEC1', 2), // DEC2 fits, DEC1 does not (1 left): refused whole
      line(2, 'INV-DEC2', 1), // still fits: item 1 took nothing
      line(3, 'INV-DEC1', 1),
      line(4, 'INV-DEC1', 1), // skipped (an item answered before)
      line(5, 'INV-DEC2', 1), // nothing left
    ];
    const decided = await t.db.transaction().execute(async (trx) =>
      (await sql<{ item: number; accepted: boolean }>`SELECT * FROM ordo_decide_reservations(${JSON.stringify(lines)}::jsonb, ARRAY[4])`.execute(trx)).rows);
    expect(decided).toEqual([
      { item: 0, accepted: true }, { item: 1, accepted: false }, { item: 2, accepted: true }, { item: 3, accepted: true }, { item: 5, accepted: false },
    ]);
  });

  it('concurrent requests written as one batch are each all or nothing, and none is refused while it could be met', async () => {
    await receive('WH1', [['INV-MIX1', 20], ['INV-MIX2', 12]]);
    // Shapes that fit or not depending on what was taken before them, including two lines on one row.
    const shapes = [
      [['INV-MIX1', 3], ['INV-MIX2', 2]],
      [['INV-MIX2', 5]],
      [['INV-MIX1', 1], ['INV-MIX1', 2]],
      [['INV-MIX1', 7], ['INV-MIX2', 1], ['INV-MIX2', 1]],
      [['INV-MIX1', 1]],
      [['INV-MIX2', 1]],
    ] as const;
    const requests = Array.from({ length: 40 }, (_, i) => shapes[i % shapes.length]!.map(([sku, quantity]) => ({ sku, location: 'WH1', quantity })));
    const answers = await Promise.all(requests.map((lines, i) => t.http('POST', '/v1/reservations', {
      key: 'operator', body: { reference: { type: 'test', id: `mix-${i}` }, lines },
    })));
    expect(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.code === 'insufficient_stock'))).toBe(true);
    const taken = { 'INV-MIX1': 0, 'INV-MIX2': 0 } as Record<string, number>;
    answers.forEach((a, i) => {
      if (a.status === 201) for (const l of requests[i]!) taken[l.sku]! += l.quantity;
    });
    const mix1 = await level('INV-MIX1', 'WH1');
    const mix2 = await level('INV-MIX2', 'WH1');
    expect(mix1.reserved).toBe(taken['INV-MIX1']);
    expect(mix2.reserved).toBe(taken['INV-MIX2']);
    // A refused request wrote nothing...
    const refused = answers.flatMap((a, i) => (a.status === 409 ? [`mix-${i}`] : []));
    expect(refused.length).toBeGreaterThan(0);
    const rows = await t.db.selectFrom('reservations').select('reference_id').where('reference_id', 'in', refused).execute();
    expect(rows).toEqual([]);
    // ...and could not be met by what is left now (stock only went down during the test).
    const free = { 'INV-MIX1': mix1.available, 'INV-MIX2': mix2.available } as Record<string, number>;
    for (const i of answers.flatMap((a, k) => (a.status === 409 ? [k] : []))) {
      const wanted = new Map<string, number>();
      for (const l of requests[i]!) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + l.quantity);
      expect([...wanted].some(([sku, qty]) => qty > free[sku]!)).toBe(true);
    }
  });

  it('concurrent multi-line reservations over the same SKUs in opposite orders all finish without deadlock', async () => {
    const codes = ['INV-COMP1', 'INV-COMP2', 'INV-EXP', 'INV-LOW'];
    await receive('WH2', codes.map((c) => [c, 1000] as [string, number]));
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => {
      const order = i % 2 === 0 ? codes : [...codes].reverse();
      return reserve(order.map((sku) => ({ sku, location: 'WH2', quantity: 1 })), { reference: { type: 'test', id: `multi-${i}` } });
    }));
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(201));
    for (const c of codes) expect(await level(c, 'WH2')).toMatchObject({ reserved: 60 });
    const released = await t.db.selectFrom('reservations').select('id').where('reference_id', 'like', 'multi-%').execute();
    for (const r of released) await t.http('POST', `/v1/reservations/${r.id}/release`);
  });

  it('expires reservations past their time', async () => {
    const { expireReservations } = await import('../src/inventory/reserve-stock.js');
    const res = await reserve([{ sku: 'INV-EXP', location: 'WH2', quantity: 5 }], { ttlSeconds: 60 });
    expect(res.status).toBe(201);
    expect(await level('INV-EXP', 'WH2')).toMatchObject({ reserved: 5 });
    const notYet = await t.db.transaction().execute((trx) => expireReservations(trx, new Date()));
    expect(notYet).toBe(0);
    const expired = await t.db.transaction().execute((trx) => expireReservations(trx, new Date(Date.now() + 61_000)));
    expect(expired).toBe(1);
    expect(await level('INV-EXP', 'WH2')).toMatchObject({ reserved: 0 });
    expect((await t.http('GET', `/v1/reservations/${res.body.reservations[0].id}`)).body.status).toBe('expired');
  });
});

describe('future supply and presale', () => {
  it('a presale channel promises incoming supply, and receipt turns the promise into a reservation', async () => {
    const po = await t.http('POST', '/v1/supply', { body: { type: 'purchase_order', reference: 'PO-1', location: 'WH1', expectedOn: new Date(Date.now() + 5 * 86400_000).toISOString().slice(0, 10), lines: [{ sku: 'INV-PRE', quantity: 20 }] } });
    expect(po.status).toBe(201);
    const noPresale = await reserve([{ sku: 'INV-PRE', location: 'WH1', quantity: 3 }], { channel: 'WEB' });
    expect(noPresale.status).toBe(409);
    const presale = await reserve([{ sku: 'INV-PRE', location: 'WH1', quantity: 3 }], { channel: 'PRE' });
    expect(presale.status).toBe(201);
    expect(presale.body.reservations[0]).toMatchObject({ source: 'incoming', expectedOn: po.body.expectedOn });
    expect((await t.http('GET', `/v1/supply/${po.body.id}`)).body.lines[0]).toMatchObject({ reserved: 3, available: 17 });
    const atp = await t.http('GET', '/v1/availability?sku=INV-PRE&channel=PRE');
    expect(atp.body.data[0].channel.available).toBe(17);
    expect((await t.http('GET', '/v1/availability?sku=INV-PRE&channel=WEB')).body.data[0].channel.available).toBe(0);
    const commitEarly = await t.http('POST', `/v1/reservations/${presale.body.reservations[0].id}/commit`);
    expect(commitEarly.status).toBe(409);

    const received = await t.http('POST', `/v1/supply/${po.body.id}/receive`, { body: { lines: [{ sku: 'INV-PRE', quantity: 20 }] } });
    expect(received.body.status).toBe('received');
    expect(await level('INV-PRE', 'WH1')).toMatchObject({ onHand: 20, reserved: 3, available: 17 });
    const r = await t.http('GET', `/v1/reservations/${presale.body.reservations[0].id}`);
    expect(r.body).toMatchObject({ source: 'on_hand', status: 'open', quantity: 3 });
  });
});

describe('channel allocation', () => {
  it('a dedicated quota is kept for its channel; the rest is a shared pool', async () => {
    await receive('WH1', [['INV-ALLOC', 100]]);
    expect((await t.http('PUT', '/v1/allocations', { body: { channel: 'MKT', sku: 'INV-ALLOC', quotaUnits: 30 } })).status).toBe(200);
    const atp = async (channel: string) => (await t.http('GET', `/v1/availability?sku=INV-ALLOC&channel=${channel}`)).body.data[0].channel.available;
    expect(await atp('MKT')).toBe(100);
    expect(await atp('WEB')).toBe(70);
    expect((await reserve([{ sku: 'INV-ALLOC', location: 'WH1', quantity: 71 }], { channel: 'WEB' })).status).toBe(409);
    expect((await reserve([{ sku: 'INV-ALLOC', location: 'WH1', quantity: 70 }], { channel: 'WEB' })).status).toBe(201);
    expect(await atp('WEB')).toBe(0);
    expect(await atp('MKT')).toBe(30);
    expect((await reserve([{ sku: 'INV-ALLOC', location: 'WH1', quantity: 30 }], { channel: 'MKT' })).status).toBe(201);
    expect(await atp('MKT')).toBe(0);
  });

  it('a percentage quota follows the stock', async () => {
    const rule = await t.http('PUT', '/v1/allocations', { body: { channel: 'MKT', sku: 'INV-B', quotaPercent: 40 } });
    expect(rule.body).toMatchObject({ channel: 'MKT', sku: 'INV-B', quotaPercent: 40, quotaUnits: null });
    const web = (await t.http('GET', '/v1/availability?sku=INV-B&channel=WEB')).body.data[0];
    expect(web.available).toBe(5);
    expect(web.channel.available).toBe(3);
    const bad = await t.http('PUT', '/v1/allocations', { body: { channel: 'MKT', sku: 'INV-B', quotaPercent: 40, quotaUnits: 1 } });
    expect(bad.status).toBe(400);
  });
});

describe('availability', () => {
  it('bundles are available as the minimum over components', async () => {
    const kit = await t.db.selectFrom('skus').select('id').where('code', '=', 'INV-KIT').executeTakeFirstOrThrow();
    const set = await t.http('PUT', `/v1/skus/${kit.id}/components`, { key: 'operator', body: { components: [{ sku: 'INV-COMP1', quantity: 2 }, { sku: 'INV-COMP2', quantity: 3 }] } });
    expect(set.status).toBe(200);
    expect(set.body.components.map((c: { sku: string; quantity: number }) => [c.sku, c.quantity])).toEqual([['INV-COMP1', 2], ['INV-COMP2', 3]]);
    const itself = await t.http('PUT', `/v1/skus/${kit.id}/components`, { body: { components: [{ sku: 'INV-KIT', quantity: 1 }] } });
    expect(itself.status).toBe(400);
    // COMP1 and COMP2 have 1000 each at WH2: kits = min(1000/2, 1000/3) = 333.
    const res = await t.http('GET', '/v1/availability?sku=INV-KIT&channel=WEB');
    expect(res.body.data[0]).toMatchObject({ sku: 'INV-KIT', available: 333, channel: { code: 'WEB', available: 333 } });
  });

  it('answers for 1,000 SKUs in one call', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ code: `ATP-${i}`, name: `atp ${i}` }));
    await t.http('POST', '/v1/skus/bulk', { body: { items: many } });
    const res = await t.http('POST', '/v1/availability/query', { body: { skus: many.map((m) => m.code), channel: 'WEB' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1000);
    const tooMany = await t.http('POST', '/v1/availability/query', { body: { skus: [...many.map((m) => m.code), 'INV-A'] } });
    expect(tooMany.status).toBe(400);
  });
});

describe('signals', () => {
  it('records availability_changed events with the new number per channel', async () => {
    await receive('WH1', [['INV-LOW', 5]]);
    const events = await t.db.selectFrom('outbox_events').select(['type', 'payload']).where('type', '=', 'inventory.availability_changed')
      .where(sql`payload->>'sku'`, '=', 'INV-LOW').orderBy('id').execute();
    const web = events.filter((e) => e.payload.channel === 'WEB').map((e) => e.payload.available);
    expect(web.at(-1)).toBe(1005 - 0);
  });

  it('raises a low-stock alert below the reorder point, and resolves it when stock recovers', async () => {
    await t.http('PUT', '/v1/stock/settings', { body: { items: [{ sku: 'INV-A', location: 'WH1', reorderPoint: 8 }] } });
    expect((await reserve([{ sku: 'INV-A', location: 'WH1', quantity: 3 }])).status).toBe(201);
    const alerts = await t.http('GET', '/v1/alerts');
    const alert = alerts.body.data.find((a: { sku: string }) => a.sku === 'INV-A');
    expect(alert).toMatchObject({ type: 'low_stock', location: 'WH1', available: 7, reorderPoint: 8, status: 'open' });
    const ack = await t.http('POST', `/v1/alerts/${alert.id}/acknowledge`);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'test admin' });
    await receive('WH1', [['INV-A', 5]]);
    expect((await t.http('GET', '/v1/alerts?status=resolved')).body.data.map((a: { id: string }) => a.id)).toContain(alert.id);
    const lowEvents = await t.db.selectFrom('outbox_events').select('payload').where('type', '=', 'inventory.low_stock').execute();
    expect(lowEvents.length).toBeGreaterThan(0);
  });

  it('safety stock lowers what can be promised', async () => {
    const set = await t.http('PUT', '/v1/stock/settings', { body: { items: [
      { sku: 'INV-B', location: 'WH1', safetyStock: 4 }, { sku: 'INV-A', location: 'WH1', reorderPoint: 8 },
    ] } });
    expect(set.body.items.map((i: { sku: string; safetyStock: number; reorderPoint: number }) => [i.sku, i.safetyStock, i.reorderPoint]))
      .toEqual([['INV-B', 4, null], ['INV-A', 0, 8]]);
    expect(await level('INV-B', 'WH1')).toMatchObject({ onHand: 5, safetyStock: 4, available: 1 });
    expect((await reserve([{ sku: 'INV-B', location: 'WH1', quantity: 2 }])).status).toBe(409);
    expect((await reserve([{ sku: 'INV-B', location: 'WH1', quantity: 1 }])).status).toBe(201);
  });
});

describe('findLevels', () => {
  it('answers each pair in the order asked, also for many pairs and pairs without a row', async () => {
    const codes = Array.from({ length: 150 }, (_, i) => `FL-${String(i).padStart(3, '0')}`);
    await t.http('POST', '/v1/skus/bulk', { body: { items: codes.map((code) => ({ code, name: code })) } });
    await t.http('POST', '/v1/locations', { body: { code: 'FL-WH', name: 'levels', type: 'warehouse' } });
    // Every third SKU gets stock: its quantity is its number, so a row in the wrong place shows.
    await t.http('POST', '/v1/stock/receipts', { body: { location: 'FL-WH', lines: codes.flatMap((sku, i) => (i % 3 === 0 ? [{ sku, quantity: i + 1 }] : [])) } });
    const skus = await t.db.selectFrom('skus').select(['id', 'code']).where('code', 'like', 'FL-%').execute();
    const location = await t.db.selectFrom('locations').select('id').where('code', '=', 'FL-WH').executeTakeFirstOrThrow();
    const wanted = [...skus].sort(() => Math.random() - 0.5).map((s) => ({ skuId: s.id, locationId: location.id, code: s.code }));
    const levels = await findLevels(t.db, wanted);
    expect(levels.map((l) => l.skuId)).toEqual(wanted.map((w) => w.skuId));
    expect(levels.map((l) => l.onHand)).toEqual(wanted.map((w) => (Number(w.code.slice(3)) % 3 === 0 ? Number(w.code.slice(3)) + 1 : 0)));
  });
});
