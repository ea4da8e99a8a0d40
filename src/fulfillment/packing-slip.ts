/**
 * The packing slip of a fulfilment order, as a PDF (pdfkit): what goes in the box with the goods — the order and
 * fulfilment numbers, where it comes from and goes to, and each line with its quantity, ticked by the packer.
 *
 * Chinese (and any CJK) names and addresses must render, so the slip is set in Noto Sans SC, a TrueType font shipped
 * by the npm package @expo-google-fonts/noto-sans-sc (SIL Open Font License). The font file is 10 MB; pdfkit embeds
 * only the glyphs the slip uses (a subset), so a slip stays a few kilobytes. The font is read and parsed once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Address } from '../order/index.js';

const require = createRequire(import.meta.url);

interface FontFiles { regular: Buffer; bold: Buffer }
let files: FontFiles | null = null;
const fontFiles = (): FontFiles => (files ??= {
  regular: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')),
  bold: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf')),
});

/**
 * pdfkit parses a font file anew for every document (fontkit.create), and for a CJK font with tens of thousands of
 * glyphs that parse is most of a slip's time (about 140 ms of 150). The parsed fonts are read-only, so they are kept
 * for the process and given to each new document as its embedded fonts; each document still writes its own subset.
 * This reaches into pdfkit's font table (`_fontFamilies`) and its EmbeddedFont class (taken from a first document):
 * if a pdfkit version changes them, `shareFonts` finds no table and documents parse the files as before.
 */
interface FontDoc { _fontFamilies?: Record<string, unknown>; _font?: { font?: unknown; constructor: new (doc: unknown, font: unknown, id: string) => unknown } }
let parsed: { Embedded: new (doc: unknown, font: unknown, id: string) => unknown; regular: unknown; bold: unknown } | null | undefined;
function shareFonts(doc: PDFKit.PDFDocument): void {
  const target = doc as unknown as FontDoc;
  if (parsed === undefined) {
    const probe = (f: Buffer) => {
      const d = new PDFDocument({ font: null as never }) as unknown as FontDoc & PDFKit.PDFDocument;
      d.font(f);
      return d._font;
    };
    const regular = probe(fontFiles().regular);
    const bold = probe(fontFiles().bold);
    parsed = regular?.font && bold?.font ? { Embedded: regular.constructor, regular: regular.font, bold: bold.font } : null;
  }
  if (!parsed || !target._fontFamilies) return;
  target._fontFamilies.body = new parsed.Embedded(doc, parsed.regular, 'FBody');
  target._fontFamilies.bold = new parsed.Embedded(doc, parsed.bold, 'FBold');
}

export interface PackingSlip {
  number: string;
  orderNumber: string;
  placedAt: string;
  kind: 'ship' | 'pickup';
  from: { name: string; lines: string[] };
  shipTo: Address | null;
  customerName: string;
  buyerRemark: string | null;
  lines: { lineNo: number; sku: string; name: string; quantity: number }[];
}

const addressLines = (a: Address): string[] => [
  a.company ?? '', a.line1, a.line2 ?? '', [a.postalCode, a.city, a.state ?? ''].filter(Boolean).join(' '), a.country, a.phone ?? '',
].filter((s) => s.trim() !== '');

/** Renders the slip; resolves to the PDF's bytes. */
export function renderPackingSlip(slip: PackingSlip): Promise<Buffer> {
  const { regular, bold } = fontFiles();
  // No default font: the standard Helvetica would be loaded (and embedded) for nothing.
  const doc = new PDFDocument({ size: 'A4', margin: 48, font: null as never, info: { Title: `Packing slip ${slip.number}`, Author: 'Ordo' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', regular);
  doc.registerFont('bold', bold);
  shareFonts(doc);

  doc.font('bold').fontSize(18).text('Packing slip 装箱单');
  doc.font('body').fontSize(10).moveDown(0.3)
    .text(`Order 订单: ${slip.orderNumber}    Fulfilment 履约单: ${slip.number}    Placed 下单: ${slip.placedAt.slice(0, 10)}`);
  doc.moveDown();

  const top = doc.y;
  doc.font('bold').fontSize(11).text('From 发货方', 48, top);
  doc.font('body').fontSize(10).text([slip.from.name, ...slip.from.lines].join('\n'), 48, doc.y, { width: 230 });
  const leftBottom = doc.y;
  doc.font('bold').fontSize(11).text(slip.kind === 'pickup' ? 'Pickup by 自提人' : 'Ship to 收货人', 310, top);
  const to = slip.shipTo && slip.kind === 'ship' ? [slip.shipTo.name, ...addressLines(slip.shipTo)] : [slip.customerName];
  doc.font('body').fontSize(10).text(to.join('\n'), 310, doc.y, { width: 240 });
  doc.y = Math.max(leftBottom, doc.y);
  doc.x = 48;
  doc.moveDown();

  const cols = { no: 48, sku: 80, name: 200, qty: 470, tick: 520 };
  const header = doc.y;
  doc.font('bold').fontSize(10);
  doc.text('#', cols.no, header).text('SKU', cols.sku, header).text('Item 商品', cols.name, header)
    .text('Qty 数量', cols.qty, header).text('OK', cols.tick, header);
  doc.moveTo(48, doc.y + 2).lineTo(547, doc.y + 2).stroke();
  doc.font('body');
  for (const l of slip.lines) {
    const y = doc.y + 6;
    doc.text(String(l.lineNo), cols.no, y).text(l.sku, cols.sku, y, { width: 115 });
    doc.text(l.name, cols.name, y, { width: 260 });
    const after = doc.y;
    doc.text(String(l.quantity), cols.qty, y).text('[  ]', cols.tick, y);
    doc.y = Math.max(after, doc.y);
  }
  doc.x = 48;
  const units = slip.lines.reduce((a, l) => a + l.quantity, 0);
  doc.moveDown().font('bold').text(`Units 件数: ${units}`, 48);
  if (slip.buyerRemark) doc.moveDown(0.5).font('body').text(`Remark 买家留言: ${slip.buyerRemark}`, 48, doc.y, { width: 500 });
  doc.end();
  return done;
}
