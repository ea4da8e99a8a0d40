/** Shared by the order tests: a small world (SKUs, two warehouses, channels, stock) and a valid order to vary. */
import type { TestApp } from './harness.js';

export const address = { name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' };

let ref = 0;
export function anOrder(overrides: Record<string, unknown> = {}, lines: { sku: string; quantity: number; unitPriceMinor: number }[] = [{ sku: 'ORD-A', quantity: 2, unitPriceMinor: 1000 }]) {
  const subtotal = lines.reduce((a, l) => a + l.quantity * l.unitPriceMinor, 0);
  return {
    channel: 'WEB',
    externalRef: `EXT-${++ref}-${Math.random().toString(36).slice(2, 8)}`,
    currency: 'EUR',
    customer: { email: 'erika@example.com', name: 'Erika Mustermann' },
    shippingAddress: address,
    lines,
    shippingMinor: 495,
    totals: { subtotalMinor: subtotal, discountMinor: 0, shippingMinor: 495, taxMinor: 0, totalMinor: subtotal + 495 },
    payment: { method: 'card', authorizedMinor: subtotal + 495 },
    ...overrides,
  };
}

/** SKUs ORD-A (100 at OWH1), ORD-B (5 at OWH1), ORD-C (50 at OWH2), ORD-NONE (none), ORD-DUP (10 at OWH1); channels WEB and B2B (backorders). */
export async function seedOrderWorld(t: TestApp): Promise<void> {
  await t.http('POST', '/v1/skus/bulk', { body: { items: ['ORD-A', 'ORD-B', 'ORD-C', 'ORD-NONE', 'ORD-DUP'].map((code) => ({ code, name: code })) } });
  await t.http('POST', '/v1/locations', { body: { code: 'OWH1', name: 'Warehouse 1', type: 'warehouse', priority: 10 } });
  await t.http('POST', '/v1/locations', { body: { code: 'OWH2', name: 'Warehouse 2', type: 'warehouse', priority: 20 } });
  await t.http('POST', '/v1/channels', { body: { code: 'WEB', name: 'Web', type: 'web', currency: 'EUR', orderNumberPrefix: 'W' } });
  await t.http('POST', '/v1/channels', { body: { code: 'B2B', name: 'B2B', type: 'b2b', currency: 'EUR', policy: { allowBackorder: true } } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH1', lines: [{ sku: 'ORD-A', quantity: 100 }, { sku: 'ORD-B', quantity: 5 }, { sku: 'ORD-DUP', quantity: 10 }] } });
  await t.http('POST', '/v1/stock/receipts', { body: { location: 'OWH2', lines: [{ sku: 'ORD-C', quantity: 50 }] } });
}
