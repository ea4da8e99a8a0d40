import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();

beforeAll(() => seedOrderWorld(t));

const stock = async (sku: string, location: string) => (await t.http('GET', `/v1/stock?sku=${sku}&location=${location}`)).body.data[0] as { onHand: number; reserved: number };
const capture = async (overrides: Record<string, unknown> = {}, lines?: { sku: string; quantity: number; unitPriceMinor: number }[]) => {
  const res = await t.http('POST', '/v1/orders', { body: anOrder(overrides, lines) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const ruleByCode = async (code: string) => (await t.http('GET', '/v1/review-rules')).body.data.find((r: { code: string }) => r.code === code);

/** Runs `body` with the named default rules enabled, and disables them afterwards whatever happens. */
async function withRules(codes: string[], body: () => Promise<void>) {
  const ids = await Promise.all(codes.map(async (c) => (await ruleByCode(c)).id as string));
  for (const id of ids) expect((await t.http('PATCH', `/v1/review-rules/${id}`, { body: { enabled: true } })).status).toBe(200);
  try {
    await body();
  } finally {
    for (const id of ids) await t.http('PATCH', `/v1/review-rules/${id}`, { body: { enabled: false } });
  }
}
const highValueLine = [{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 80_000 }];
const timeline = async (orderId: string) => (await t.http('GET', `/v1/orders/${orderId}/timeline`)).body.data as { type: string; actor: string; fromStatus: string | null; toStatus: string | null; message: string; details: Record<string, unknown> }[];

const newRule = (overrides: Record<string, unknown> = {}) => ({
  code: `bulk-${Math.random().toString(36).slice(2, 8)}`,
  name: 'Seven or more units',
  priority: 5,
  condition: { match: 'all', conditions: [{ field: 'order.totalUnits', operator: 'gte', value: 7 }] },
  action: 'hold',
  reasonCode: 'bulk_buy',
  ...overrides,
});

describe('review rules API', () => {
  it('lists the seven default rules by priority, all disabled', async () => {
    const res = await t.http('GET', '/v1/review-rules', { key: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { code: string }) => r.code)).toEqual([
      'invalid-address', 'blocked-customer', 'payment-not-authorised', 'high-value', 'unusual-quantity', 'likely-duplicate', 'buyer-remark',
    ]);
    expect(res.body.data.every((r: { enabled: boolean }) => !r.enabled)).toBe(true);
    expect(res.body.data[3]).toMatchObject({
      code: 'high-value', priority: 40, action: 'hold', reasonCode: 'high_value', version: 1,
      condition: { match: 'all', conditions: [{ field: 'order.totalMinor', operator: 'gt', value: 100_000 }] },
    });
  });

  it('creates a rule that then holds the orders it matches', async () => {
    const created = await t.http('POST', '/v1/review-rules', { key: 'operator', body: newRule({ enabled: true }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ enabled: true, priority: 5, reasonCode: 'bulk_buy', version: 1 });
    try {
      const small = await capture({}, [{ sku: 'ORD-A', quantity: 6, unitPriceMinor: 100 }]);
      expect(small.status).toBe('allocated');
      const big = await capture({}, [{ sku: 'ORD-A', quantity: 4, unitPriceMinor: 100 }, { sku: 'ORD-C', quantity: 3, unitPriceMinor: 100 }]);
      expect(big.status).toBe('on_hold');
      expect(big.holds).toEqual([expect.objectContaining({ reasonCode: 'bulk_buy', rule: created.body.code })]);
    } finally {
      await t.http('PATCH', `/v1/review-rules/${created.body.id}`, { body: { enabled: false } });
    }
    const list = await t.http('GET', '/v1/review-rules');
    expect(list.body.data[0]).toMatchObject({ code: created.body.code, enabled: false, version: 2 });
  });

  it('refuses bad rules with 400: an unknown field, operators that do not fit the field, unknown properties', async () => {
    const bad = [
      newRule({ condition: { match: 'all', conditions: [{ field: 'order.colour', operator: 'eq', value: 'red' }] } }),
      newRule({ condition: { match: 'all', conditions: [{ field: 'order.totalMinor', operator: 'between', value: 1 }] } }),
      newRule({ condition: { match: 'some', conditions: [{ field: 'order.totalMinor', operator: 'gt', value: 1 }] } }),
      newRule({ condition: { match: 'all', conditions: [] } }),
      newRule({ condition: { match: 'all', conditions: [{ field: 'customer.blocked', operator: 'gt', value: 1 }] } }),
      newRule({ condition: { match: 'all', conditions: [{ field: 'order.totalMinor', operator: 'gt', value: '100' }] } }),
      newRule({ condition: { match: 'all', conditions: [{ field: 'order.channel', operator: 'in', value: 'WEB' }] } }),
      newRule({ action: 'delete' }),
      newRule({ reasonCode: 'Bulk Buy' }),
      newRule({ colour: 'red' }),
    ];
    for (const body of bad) {
      const res = await t.http('POST', '/v1/review-rules', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    const unknownField = await t.http('POST', '/v1/review-rules', { body: bad[0] });
    expect(unknownField.body.errors.some((e: { path: string }) => e.path === '/body/condition/conditions/0/field')).toBe(true);
    const wrongKind = await t.http('POST', '/v1/review-rules', { body: bad[5] });
    expect(wrongKind.body.errors).toEqual([{ path: '/body/condition/conditions/0/value', message: 'must be a number' }]);
  });

  it('refuses a duplicate code, a stale version, an empty change, and callers without order:rules', async () => {
    const rule = newRule();
    expect((await t.http('POST', '/v1/review-rules', { body: rule })).status).toBe(201);
    const again = await t.http('POST', '/v1/review-rules', { body: rule });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_exists');

    const highValue = await ruleByCode('high-value');
    const stale = await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { body: { priority: 41 }, headers: { 'if-match': String(highValue.version + 7) } });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('version_conflict');
    expect((await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { body: {} })).status).toBe(400);
    expect((await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { body: { condition: { match: 'all', conditions: [{ field: 'nope', operator: 'eq', value: 1 }] } } })).status).toBe(400);
    expect((await t.http('PATCH', '/v1/review-rules/0190a000-0000-7000-8000-000000000000', { body: { enabled: true } })).status).toBe(404);
    expect((await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { key: 'integration', body: { enabled: true } })).status).toBe(403);
    expect((await t.http('POST', '/v1/review-rules', { key: 'viewer', body: newRule() })).status).toBe(403);

    const renamed = await t.http('PATCH', `/v1/review-rules/${highValue.id}`, {
      body: { name: 'Over 2,000.00', condition: { match: 'all', conditions: [{ field: 'order.totalMinor', operator: 'gt', value: 200_000 }] } },
      headers: { 'if-match': `"${highValue.version}"` },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Over 2,000.00', enabled: false, version: highValue.version + 1 });
    await t.http('PATCH', `/v1/review-rules/${highValue.id}`, { body: { name: highValue.name, condition: highValue.condition } });
  });
});

describe('holds', () => {
  it('releases a hold: the order goes on to allocated, and the timeline says who, which hold and why', async () => {
    await withRules(['high-value'], async () => {
      const order = await capture({}, highValueLine);
      expect(order.status).toBe('on_hold');
      const hold = order.holds[0];
      expect((await t.http('POST', `/v1/orders/${order.id}/holds/${hold.id}/release`, { key: 'integration' })).status).toBe(403);
      const res = await t.http('POST', `/v1/orders/${order.id}/holds/${hold.id}/release`, { key: 'operator', body: { note: 'called the customer' } });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('allocated');
      expect(res.body.holds[0]).toMatchObject({ id: hold.id, status: 'released', decidedBy: 'test operator' });
      expect(Date.parse(res.body.holds[0].decidedAt)).toBeGreaterThan(Date.now() - 60_000);
      const rows = (await timeline(order.id)).slice(-3);
      expect(rows).toEqual([
        expect.objectContaining({ type: 'hold_released', actor: 'test operator', message: 'Hold high_value released: called the customer', details: { holdId: hold.id, reasonCode: 'high_value', note: 'called the customer' } }),
        expect.objectContaining({ fromStatus: 'on_hold', toStatus: 'confirmed' }),
        expect.objectContaining({ fromStatus: 'confirmed', toStatus: 'allocated' }),
      ]);
      const events = await t.db.selectFrom('outbox_events').select('type').where('aggregate_id', '=', order.id).orderBy('id').execute();
      expect(events.map((e) => e.type).slice(-3)).toEqual(['order.hold_released', 'order.confirmed', 'order.allocated']);
      // Deciding it again is a conflict with the hold's state.
      const again = await t.http('POST', `/v1/orders/${order.id}/holds/${hold.id}/reject`);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'invalid_state', currentStatus: 'allocated' });
    });
  });

  it('releases to confirmed when a line is still waiting for stock (backordered)', async () => {
    const order = await capture({ channel: 'B2B' }, [{ sku: 'ORD-A', quantity: 1, unitPriceMinor: 100 }, { sku: 'ORD-NONE', quantity: 2, unitPriceMinor: 100 }]);
    expect(order.status).toBe('confirmed');
    const held = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'credit_check' } });
    const released = await t.http('POST', `/v1/orders/${order.id}/holds/${held.body.holds[0].id}/release`);
    expect(released.body.status).toBe('confirmed');
  });

  it('waits for every hold: releasing one of two keeps the order on hold', async () => {
    await withRules(['high-value', 'unusual-quantity'], async () => {
      const order = await capture({}, [{ sku: 'ORD-A', quantity: 12, unitPriceMinor: 10_000 }]);
      expect(order.holds.map((h: { reasonCode: string }) => h.reasonCode)).toEqual(['high_value', 'unusual_quantity']);
      const first = await t.http('POST', `/v1/orders/${order.id}/holds/${order.holds[0].id}/release`);
      expect(first.body.status).toBe('on_hold');
      expect(first.body.holds.map((h: { status: string }) => h.status)).toEqual(['released', 'open']);
      const again = await t.http('POST', `/v1/orders/${order.id}/holds/${order.holds[0].id}/release`);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'invalid_state', currentStatus: 'released', allowed: ['open'] });
      const second = await t.http('POST', `/v1/orders/${order.id}/holds/${order.holds[1].id}/release`);
      expect(second.body.status).toBe('allocated');
    });
  });

  it('rejects a hold: the order is cancelled, its stock released, its other holds closed', async () => {
    await withRules(['high-value', 'unusual-quantity'], async () => {
      const before = await stock('ORD-A', 'OWH1');
      const order = await capture({}, [{ sku: 'ORD-A', quantity: 11, unitPriceMinor: 10_000 }]);
      expect((await stock('ORD-A', 'OWH1')).reserved).toBe(before.reserved + 11);
      const res = await t.http('POST', `/v1/orders/${order.id}/holds/${order.holds[0].id}/reject`, { key: 'operator', body: { note: 'card reported stolen' } });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect(res.body.lines[0]).toMatchObject({ quantity: 11, allocated: 0, cancelled: 11 });
      expect(res.body.holds.map((h: { status: string; decidedBy: string }) => [h.status, h.decidedBy])).toEqual([['rejected', 'test operator'], ['rejected', 'test operator']]);
      expect(await stock('ORD-A', 'OWH1')).toMatchObject({ reserved: before.reserved, onHand: before.onHand });
      const ledger = await t.http('GET', `/v1/stock/movements?sku=ORD-A&referenceType=order&referenceId=${order.id}`);
      expect(ledger.body.data).toEqual([expect.objectContaining({ reason: 'release', reservedDelta: -11, onHandDelta: 0 })]);
      const rows = await timeline(order.id);
      expect(rows.map((r) => r.type).slice(-4)).toEqual(['hold_rejected', 'lines_cancelled', 'hold_closed', 'status_changed']);
      expect(rows.at(-4)!.message).toBe('Hold high_value rejected: card reported stolen');
      expect(rows.at(-1)).toMatchObject({ fromStatus: 'on_hold', toStatus: 'cancelled' });
    });
  });

  it('answers 404 for a hold that is not the order\'s, and 409 for deciding on an order not on hold', async () => {
    const a = await capture();
    const heldA = (await t.http('POST', `/v1/orders/${a.id}/holds`, { body: { reasonCode: 'check' } })).body;
    const b = await capture();
    const heldB = (await t.http('POST', `/v1/orders/${b.id}/holds`, { body: { reasonCode: 'check' } })).body;
    expect((await t.http('POST', `/v1/orders/${a.id}/holds/${heldB.holds[0].id}/release`)).status).toBe(404);
    expect((await t.http('POST', `/v1/orders/${a.id}/holds/0190a000-0000-7000-8000-000000000000/release`)).status).toBe(404);
    expect((await t.http('POST', `/v1/orders/0190a000-0000-7000-8000-000000000000/holds/${heldA.holds[0].id}/release`)).status).toBe(404);
    expect((await t.http('POST', `/v1/orders/${a.id}/holds/${heldA.holds[0].id}/release`, { body: { note: 'x', extra: 1 } })).status).toBe(400);
    await t.http('POST', `/v1/orders/${b.id}/cancel`, { body: { reason: 'customer asked' } });
    const onCancelled = await t.http('POST', `/v1/orders/${b.id}/holds/${heldB.holds[0].id}/release`);
    expect(onCancelled.status).toBe(409);
    expect(onCancelled.body).toMatchObject({ code: 'invalid_state', currentStatus: 'cancelled', allowed: [] });
  });
});

describe('manual holds', () => {
  it('holds an allocated order by hand, keeps its reservation, and adds a second reason to a held order', async () => {
    const order = await capture({}, [{ sku: 'ORD-C', quantity: 2, unitPriceMinor: 100 }]);
    const before = await stock('ORD-C', 'OWH2');
    expect((await t.http('POST', `/v1/orders/${order.id}/holds`, { key: 'integration', body: { reasonCode: 'address_check' } })).status).toBe(403);
    const held = await t.http('POST', `/v1/orders/${order.id}/holds`, { key: 'operator', body: { reasonCode: 'address_check', note: 'street looks wrong' } });
    expect(held.status).toBe(201);
    expect(held.body.status).toBe('on_hold');
    expect(held.body.holds).toEqual([expect.objectContaining({ reasonCode: 'address_check', rule: null, note: 'street looks wrong', status: 'open', decidedAt: null })]);
    expect(await stock('ORD-C', 'OWH2')).toEqual(before);
    expect((await timeline(order.id)).at(-1)).toMatchObject({ type: 'hold_placed', fromStatus: 'allocated', toStatus: 'on_hold', actor: 'test operator', message: 'Held by hand: address_check: street looks wrong' });

    const same = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'address_check' } });
    expect(same.status).toBe(409);
    const second = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'fraud_check' } });
    expect(second.status).toBe(201);
    expect(second.body.holds.map((h: { reasonCode: string }) => h.reasonCode)).toEqual(['address_check', 'fraud_check']);
    expect((await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'Not Snake' } })).status).toBe(400);
  });

  // Changed by ADR 0004: a carrier exception or a failed payment capture stops an order in the warehouse for a person.
  it('holds an order in the warehouse; releasing the hold brings it back to allocated; a shipped one back to shipped; refuses once delivered', async () => {
    const order = await capture();
    await t.http('POST', `/v1/orders/${order.id}/release`);
    const held = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'carrier_exception' } });
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({ status: 'on_hold', holds: [expect.objectContaining({ reasonCode: 'carrier_exception', status: 'open' })] });
    const released = await t.http('POST', `/v1/orders/${order.id}/holds/${held.body.holds[0].id}/release`, { body: {} });
    expect(released.body.status).toBe('allocated');
    expect(released.body.lines[0].allocated).toBe(order.lines[0].allocated);

    await t.http('POST', `/v1/orders/${order.id}/release`);
    await t.http('POST', `/v1/orders/${order.id}/ship`, { body: { lines: order.lines.map((l: any) => ({ lineId: l.id, quantity: l.quantity })) } });
    // Every parcel left: a hold is the operator's to-do (a lost parcel); released, the order is shipped again.
    const late = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'late_doubt' } });
    expect(late.status).toBe(201);
    expect(late.body.status).toBe('on_hold');
    const lateHold = late.body.holds.find((h: any) => h.reasonCode === 'late_doubt');
    expect((await t.http('POST', `/v1/orders/${order.id}/holds/${lateHold.id}/release`, { body: {} })).body.status).toBe('shipped');
    await t.http('POST', `/v1/orders/${order.id}/deliver`);
    const res = await t.http('POST', `/v1/orders/${order.id}/holds`, { body: { reasonCode: 'too_late' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'invalid_state', currentStatus: 'delivered', allowed: ['completed'] });
    expect((await t.http('GET', `/v1/orders/${order.id}`)).body.holds.map((h: any) => h.reasonCode)).toEqual(['carrier_exception', 'late_doubt']);
  });
});
