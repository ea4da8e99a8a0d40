/**
 * Property test: any sequence of stock operations — valid or refused — keeps every invariant `ordo check` verifies.
 * Operations run through the same use-case functions as the API, each in its own transaction; refusals (409s) roll
 * back and must leave no trace.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { AppError } from '../src/shared/errors.js';
import { newId } from '../src/shared/ids.js';
import { adjustmentMovement, moveStock, quarantineMovement, quarantineReleaseMovement, receiptMovements } from '../src/inventory/move-stock.js';
import { closeReservations, reserveStock } from '../src/inventory/reserve-stock.js';
import { createSupply, receiveSupply } from '../src/inventory/supply.js';
import { openCount, postCount, recordCountLines } from '../src/inventory/count-stock.js';
import { syncStock } from '../src/inventory/sync-stock.js';
import { createTestDatabase, type TestDatabase } from './harness.js';

let database: TestDatabase;
const skuIds: string[] = [];
const locationIds: string[] = [];
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  database = await createTestDatabase();
  for (let i = 0; i < 3; i++) {
    const id = newId();
    skuIds.push(id);
    await database.db.insertInto('skus').values({ id, code: `P-${i}`, name: `P ${i}`, attributes: '{}' }).execute();
  }
  for (let i = 0; i < 2; i++) {
    const id = newId();
    locationIds.push(id);
    await database.db.insertInto('locations').values({ id, code: `L-${i}`, name: `L ${i}`, type: 'warehouse' }).execute();
  }
});
afterAll(() => database?.drop());

const sku = fc.integer({ min: 0, max: 2 });
const loc = fc.integer({ min: 0, max: 1 });
const qty = fc.integer({ min: 1, max: 8 });

type Op =
  | { op: 'receive'; sku: number; loc: number; qty: number }
  | { op: 'adjust'; sku: number; loc: number; delta: number }
  | { op: 'reserve'; lines: { sku: number; loc: number; qty: number }[] }
  | { op: 'release' | 'commit'; pick: number; partial: boolean }
  | { op: 'quarantine'; sku: number; loc: number; qty: number }
  | { op: 'unquarantine'; sku: number; loc: number; qty: number; writeOff: boolean }
  | { op: 'transfer'; sku: number; qty: number; receive: boolean }
  | { op: 'presale'; sku: number; qty: number }
  | { op: 'count'; sku: number; loc: number; counted: number }
  | { op: 'sync'; sku: number; loc: number; onHand: number; version: number };

const operation: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('receive' as const), sku, loc, qty }),
  fc.record({ op: fc.constant('adjust' as const), sku, loc, delta: fc.integer({ min: -6, max: 6 }).filter((d) => d !== 0) }),
  fc.record({ op: fc.constant('reserve' as const), lines: fc.array(fc.record({ sku, loc, qty }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constantFrom('release' as const, 'commit' as const), pick: fc.nat(), partial: fc.boolean() }),
  fc.record({ op: fc.constant('quarantine' as const), sku, loc, qty }),
  fc.record({ op: fc.constant('unquarantine' as const), sku, loc, qty, writeOff: fc.boolean() }),
  fc.record({ op: fc.constant('transfer' as const), sku, qty, receive: fc.boolean() }),
  fc.record({ op: fc.constant('presale' as const), sku, qty }),
  fc.record({ op: fc.constant('count' as const), sku, loc, counted: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ op: fc.constant('sync' as const), sku, loc, onHand: fc.integer({ min: 0, max: 30 }), version: fc.integer({ min: 1, max: 50 }) }),
);

async function apply(op: Op): Promise<void> {
  const s = (i: number) => skuIds[i] as string;
  const l = (i: number) => locationIds[i] as string;
  await database.db.transaction().execute(async (trx) => {
    switch (op.op) {
      case 'receive':
        await moveStock(trx, receiptMovements([{ skuId: s(op.sku), locationId: l(op.loc), quantity: op.qty }], { type: 'receipt', id: newId() }), 'prop', 'receipt');
        break;
      case 'adjust':
        await moveStock(trx, [adjustmentMovement({ skuId: s(op.sku), locationId: l(op.loc), delta: op.delta, reasonCode: 'prop' }, newId())], 'prop', 'adjustment');
        break;
      case 'reserve':
        await reserveStock(trx, {
          lines: op.lines.map((x) => ({ skuId: s(x.sku), locationId: l(x.loc), quantity: x.qty, referenceType: 'prop', referenceId: newId() })),
          actor: 'prop', today,
        });
        break;
      case 'release':
      case 'commit': {
        const open = await trx.selectFrom('reservations').select(['id', 'quantity', 'supply_line_id']).where('status', '=', 'open').orderBy('id').execute();
        const target = open[op.pick % Math.max(1, open.length)];
        if (!target) return;
        const quantity = op.partial && target.quantity > 1 ? 1 : undefined;
        await closeReservations(trx, { ids: [target.id] }, op.op, { quantity, actor: 'prop' });
        break;
      }
      case 'quarantine':
        await moveStock(trx, [quarantineMovement({ skuId: s(op.sku), locationId: l(op.loc), quantity: op.qty }, newId())], 'prop', 'quarantine');
        break;
      case 'unquarantine':
        await moveStock(trx, [quarantineReleaseMovement({ skuId: s(op.sku), locationId: l(op.loc), quantity: op.qty, disposition: op.writeOff ? 'write_off' : 'restock' }, newId())], 'prop', 'release');
        break;
      case 'transfer': {
        const id = await createSupply(trx, { type: 'transfer', reference: null, locationId: l(1), sourceLocationId: l(0), expectedOn: today, lines: [{ skuId: s(op.sku), quantity: op.qty }] }, 'prop');
        if (op.receive) await receiveSupply(trx, id, null, 'prop');
        break;
      }
      case 'presale': {
        const id = await createSupply(trx, { type: 'purchase_order', reference: null, locationId: l(0), sourceLocationId: null, expectedOn: today, lines: [{ skuId: s(op.sku), quantity: op.qty + 2 }] }, 'prop');
        await reserveStock(trx, {
          lines: [{ skuId: s(op.sku), locationId: l(0), quantity: op.qty, referenceType: 'prop', referenceId: newId() }],
          presaleDays: 1, actor: 'prop', today,
        });
        await receiveSupply(trx, id, null, 'prop');
        break;
      }
      case 'count': {
        const opened = await openCount(trx, { location: l(op.loc), skus: [s(op.sku)] });
        await recordCountLines(trx, opened.value.id, { lines: [{ sku: s(op.sku), counted: op.counted }] });
        await postCount(trx, opened.value.id, 'prop');
        break;
      }
      case 'sync':
        await syncStock(trx, { source: 'erp', rows: [{ sku: s(op.sku), location: l(op.loc), onHand: op.onHand, version: op.version }] }, { units: 10, percent: 0 }, 'prop');
        break;
    }
  }).catch((e: unknown) => {
    // Refusals are expected outcomes (not enough stock, below reserved, nothing quarantined…); anything else is a bug.
    if (!(e instanceof AppError) || (e.code !== 'insufficient_stock' && e.code !== 'stock_conflict' && e.code !== 'invalid_state')) throw e;
  });
}

describe('inventory invariants', () => {
  it('hold after any sequence of receive, adjust, reserve, release, commit, quarantine, transfer, presale, count and ERP sync', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (ops) => {
        for (const op of ops) await apply(op);
        const report = await runChecks(database.db);
        expect(report.lines.filter((line) => !line.startsWith('ok')), report.lines.join('\n')).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
