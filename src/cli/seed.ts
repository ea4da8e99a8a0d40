/** `ordo seed --demo`: a small, believable business to explore Ordo with. Safe to run twice (upserts by code). */
import { writeAudit } from '../access/index.js';
import type { SkuInput } from '../catalog/index.js';
import { upsertSkuBatch } from '../catalog/index.js';
import type { Db } from '../db/database.js';
import type { LocationInput } from '../location/index.js';
import { upsertLocationBatch } from '../location/index.js';
import type { ChannelInput } from '../channel/index.js';
import { findChannel } from '../channel/index.js';
import { createChannel } from '../channel/index.js';
import { upsertCarrier } from '../fulfillment/index.js';
import { demoChinaCarriers, seedChinaRateTables } from './seed-carriers.js';
import { moveStock, receiptMovements } from '../inventory/index.js';
import { resolveRefs } from '../inventory/index.js';
import { setRuleSet } from '../sourcing/index.js';
import { chinaChannels, chinaLocations, chinaQuantity, chinaRuleSets, chinaSkus } from './seed-china.js';

export const demoLocations: LocationInput[] = [
  {
    code: 'WH-BER', name: 'Berlin central warehouse', type: 'warehouse', region: 'DE-EAST', priority: 10,
    address: { line1: 'Am Borsigturm 100', city: 'Berlin', postalCode: '13507', country: 'DE' },
    coordinates: { latitude: 52.5873, longitude: 13.2836 }, capabilities: { ship: true, pickup: false },
  },
  {
    code: 'WH-DUS', name: 'Düsseldorf warehouse', type: 'warehouse', region: 'DE-WEST', priority: 20,
    address: { line1: 'Heerdter Lohweg 35', city: 'Düsseldorf', postalCode: '40549', country: 'DE' },
    coordinates: { latitude: 51.2352, longitude: 6.7173 }, capabilities: { ship: true, pickup: false },
  },
  {
    code: 'ST-MUC', name: 'Munich store', type: 'store', region: 'DE-SOUTH', priority: 50,
    address: { line1: 'Kaufingerstraße 9', city: 'München', postalCode: '80331', country: 'DE' },
    coordinates: { latitude: 48.1374, longitude: 11.5714 }, capabilities: { ship: true, pickup: true },
  },
  {
    code: 'ST-HAM', name: 'Hamburg store', type: 'store', region: 'DE-NORTH', priority: 50,
    address: { line1: 'Mönckebergstraße 16', city: 'Hamburg', postalCode: '20095', country: 'DE' },
    coordinates: { latitude: 53.5508, longitude: 10.0013 }, capabilities: { ship: false, pickup: true },
  },
];

const families = [
  { prefix: 'TEE', name: 'Organic cotton T-shirt', priceMinor: 2490, weightGrams: 180, dims: [300, 250, 20] },
  { prefix: 'HOOD', name: 'Heavyweight hoodie', priceMinor: 6990, weightGrams: 650, dims: [350, 300, 60] },
  { prefix: 'CAP', name: 'Six-panel cap', priceMinor: 2990, weightGrams: 110, dims: [250, 200, 120] },
  { prefix: 'SOCK', name: 'Merino socks', priceMinor: 1490, weightGrams: 70, dims: [200, 100, 30] },
  { prefix: 'MUG', name: 'Stoneware mug', priceMinor: 1890, weightGrams: 420, dims: [120, 120, 110] },
] as const;
const colours = ['black', 'white', 'navy', 'sand', 'forest', 'red', 'grey', 'ochre'] as const;
const sizes = ['XS', 'S', 'M', 'L', 'XL'] as const;

/** A valid EAN-13 from a 12-digit body (the last digit is the GS1 check digit). */
export function ean13(body: string): string {
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body + String((10 - (sum % 10)) % 10);
}

export function demoSkus(): SkuInput[] {
  const skus: SkuInput[] = [];
  let n = 0;
  for (const family of families) {
    for (const colour of colours) {
      for (const size of sizes) {
        n++;
        skus.push({
          code: `${family.prefix}-${colour.toUpperCase()}-${size}`,
          name: `${family.name}, ${colour}, ${size}`,
          barcode: ean13(`400638${String(n).padStart(6, '0')}`),
          weightGrams: family.weightGrams,
          dimensions: { lengthMm: family.dims[0], widthMm: family.dims[1], heightMm: family.dims[2] },
          price: { amountMinor: family.priceMinor, currency: 'EUR' },
          attributes: { colour, size, family: family.name },
        });
      }
    }
  }
  return skus;
}

export const demoChannels: ChannelInput[] = [
  { code: 'WEB', name: 'Web shop', type: 'web', currency: 'EUR', orderNumberPrefix: 'W', policy: { allowBackorder: false, presaleDays: 14, returnWindowDays: 30 } },
  { code: 'MARKET', name: 'Marketplace', type: 'marketplace', currency: 'EUR', orderNumberPrefix: 'M', policy: { allowBackorder: false, presaleDays: 0, returnWindowDays: 30 } },
  { code: 'B2B', name: 'Wholesale (sales reps)', type: 'b2b', currency: 'EUR', orderNumberPrefix: 'B', policy: { allowBackorder: true, presaleDays: 30, returnWindowDays: 14 } },
];

export const demoCarriers = [
  { code: 'DHL', name: 'DHL Paket', trackingUrlTemplate: 'https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={trackingNumber}',
    services: [{ code: 'standard', name: 'Paket', transitDays: 2 }, { code: 'express', name: 'Express', transitDays: 1 }] },
  { code: 'DPD', name: 'DPD', trackingUrlTemplate: 'https://tracking.dpd.de/status/de_DE/parcel/{trackingNumber}',
    services: [{ code: 'classic', name: 'Classic', transitDays: 2 }] },
  // China: SF and ZTO, with rate tables by province (seed-carriers.ts).
  ...demoChinaCarriers,
];

/** Deterministic stock: the same demo every time, varied enough to show stock-outs and low stock. */
function demoQuantity(skuIndex: number, locationIndex: number): number {
  const x = Math.sin(skuIndex * 12.9898 + locationIndex * 78.233) * 43758.5453;
  const r = x - Math.floor(x);
  return r < 0.12 ? 0 : Math.floor(r * 120);
}

export async function seedDemo(db: Db): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const locations = await upsertLocationBatch(trx, demoLocations);
    const skus = await upsertSkuBatch(trx, demoSkus());
    for (const channel of demoChannels) {
      if (!(await findChannel(trx, channel.code))) await createChannel(trx, channel);
    }
    for (const carrier of demoCarriers) await upsertCarrier(trx, carrier);
    await seedChinaRateTables(trx);
    // Stock only on the first run, so a second seed does not double it.
    const stocked = await trx.selectFrom('stock_movements').select('id').where('reference_type', '=', 'demo').limit(1).executeTakeFirst();
    let units = 0;
    if (!stocked) {
      const refs = await resolveRefs(trx, { sku: demoSkus().map((s) => s.code), location: demoLocations.map((l) => l.code) });
      const lines = demoSkus().flatMap((sku, i) => demoLocations.map((location, j) => ({
        skuId: refs.sku(sku.code), locationId: refs.location(location.code), quantity: demoQuantity(i, j),
      }))).filter((l) => l.quantity > 0);
      units = lines.reduce((a, l) => a + l.quantity, 0);
      await moveStock(trx, receiptMovements(lines, { type: 'demo', id: 'seed' }), 'cli', 'demo receipt');
    }
    // The China network, beside the European one (seed-china.ts): its own locations, SKUs, channels and rule sets.
    await upsertLocationBatch(trx, chinaLocations);
    await upsertSkuBatch(trx, chinaSkus());
    for (const channel of chinaChannels) {
      if (!(await findChannel(trx, channel.code))) await createChannel(trx, channel);
    }
    for (const [channel, rules] of Object.entries(chinaRuleSets)) await setRuleSet(trx, channel, { rules });
    let chinaUnits = 0;
    if (!stocked) {
      const refs = await resolveRefs(trx, { sku: chinaSkus().map((s) => s.code), location: chinaLocations.map((l) => l.code) });
      const lines = chinaSkus().flatMap((sku, i) => chinaLocations.map((location, j) => ({
        skuId: refs.sku(sku.code), locationId: refs.location(location.code), quantity: chinaQuantity(i, j),
      }))).filter((l) => l.quantity > 0);
      chinaUnits = lines.reduce((a, l) => a + l.quantity, 0);
      await moveStock(trx, receiptMovements(lines, { type: 'demo', id: 'seed-china' }), 'cli', 'demo receipt');
    }
    await writeAudit(trx, {
      actorId: null, actorName: 'cli', action: 'demo.seeded', entityType: 'demo', entityId: null, requestId: null,
      details: { locations: demoLocations.length, skus: skus.value.items.length, channels: demoChannels.length, carriers: demoCarriers.length, units },
    });
    return `demo data: ${demoLocations.length} locations (${locations.value.created} new), ${skus.value.items.length} SKUs (${skus.value.created} new), ` +
      `${demoChannels.length} channels, ${demoCarriers.length} carriers, ${units} units received; ` +
      `China network: ${chinaLocations.length} locations, ${chinaSkus().length} SKUs, ${chinaChannels.length} channels in CNY with sourcing rules, ${chinaUnits} units received`;
  });
}
