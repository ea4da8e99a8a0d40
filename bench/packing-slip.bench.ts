/**
 * `npm run bench:packing-slip`: packing slips rendered per second in one process (one core), the PDF work alone
 * (no database, no HTTP): a two-line slip with a Chinese address and names, set in Noto Sans SC. The first slip, which
 * reads and parses the 10 MB font, is timed on its own. Knob: BENCH_SLIPS (50).
 */
import { renderPackingSlip, type PackingSlip } from '../src/fulfillment/packing-slip.js';

const slip: PackingSlip = {
  number: 'W100123-F1', orderNumber: 'W100123', placedAt: new Date().toISOString(), kind: 'ship',
  from: { name: '上海仓 Shanghai DC', lines: ['浦东新区康桥路 1 号', '201315 上海市'] },
  shipTo: { name: '张伟', line1: '南山区科技园南路 88 号 3 栋', city: '深圳市', state: '广东省', postalCode: '518057', country: 'CN', phone: '13812345678' },
  customerName: '张伟', buyerRemark: '请放快递柜',
  lines: [{ lineNo: 1, sku: 'TEE-BLACK-M', name: '黑色T恤 M', quantity: 2 }, { lineNo: 2, sku: 'MUG-WHITE', name: 'Mug 马克杯', quantity: 1 }],
};

const n = Number(process.env.BENCH_SLIPS ?? 50);
let started = performance.now();
const first = await renderPackingSlip(slip);
console.log(`first slip (reads and parses the font): ${Math.round(performance.now() - started)} ms, ${first.length} bytes`);
started = performance.now();
for (let i = 0; i < n; i++) await renderPackingSlip(slip);
const seconds = (performance.now() - started) / 1000;
console.log(`${n} slips in ${seconds.toFixed(2)} s: ${Math.round(n / seconds)} packing slips/s on one core`);
