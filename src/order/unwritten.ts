/**
 * Between capture batches (src/order/capture-batch.ts): what the orders of earlier batches took or created that a
 * batch's facts may not show yet. A batch reads its facts while the batch before it writes; whether that read saw
 * the write is exactly what PostgreSQL says: the read's snapshot, and the write's transaction id. Pure bookkeeping;
 * the database still decides.
 */
import type { CustomerFacts } from './capture.repository.js';
import type { PreparedCapture } from './capture-order.js';
import type { CapturePlan } from './plan-capture.js';

/** Which transactions a statement saw committed: `pg_current_snapshot()` as text, `xmin:xmax:xip,…`. */
export class Snapshot {
  private readonly xmin: bigint;
  private readonly xmax: bigint;
  private readonly running: Set<bigint>;

  constructor(text: string) {
    const [xmin, xmax, running = ''] = text.split(':');
    if (xmin === undefined || xmax === undefined) throw new Error(`not a snapshot: ${text}`);
    this.xmin = BigInt(xmin);
    this.xmax = BigInt(xmax);
    this.running = new Set(running ? running.split(',').map((x) => BigInt(x)) : []);
  }

  /** Whether the (committed) transaction `xid` is visible in this snapshot. */
  sees(xid: bigint): boolean {
    return xid < this.xmin || (xid < this.xmax && !this.running.has(xid));
  }
}

/** What one decided order takes or creates. */
export interface Entry {
  key: string | null;
  ref: string;
  who: string;
  /** The customer the order creates, if it creates one. */
  customer: CustomerFacts | null;
  alike: string;
  reserve: readonly { skuId: string; locationId: string; quantity: number }[];
}

/** Who an order is for, as the capture finds customers: by email, else by phone. */
const customerKey = (p: PreparedCapture) => p.email ?? `phone:${p.phone}`;

/** Adds to a count; a count that reaches zero leaves the map. */
function count(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

/** What one batch's decisions must count besides its facts: earlier orders its read did not see, and its own. */
export class UnwrittenView {
  private readonly taken = new Map<string, number>();
  private readonly refs = new Set<string>();
  private readonly keys = new Set<string>();
  private readonly customers = new Map<string, CustomerFacts>();
  /** Orders per (customer, items signature), for the likely-duplicate rule. */
  private readonly placed = new Map<string, number>();

  constructor(entries: Iterable<Entry> = []) {
    for (const e of entries) this.count(e);
  }

  /** Units of (sku, location) taken by orders the facts do not show. */
  takenAt(skuId: string, locationId: string): number {
    return this.taken.get(`${skuId}/${locationId}`) ?? 0;
  }

  /** The order's key or its channel's reference is another such order's. */
  collides(p: PreparedCapture, plan: CapturePlan): boolean {
    return (p.claim !== null && this.keys.has(`${p.claim.principalId}/${p.claim.key}`)) || this.refs.has(`${plan.channelId}/${p.input.externalRef}`);
  }

  customer(p: PreparedCapture): CustomerFacts | undefined {
    return this.customers.get(customerKey(p));
  }

  placedAlike(p: PreparedCapture): boolean {
    return this.placed.has(`${customerKey(p)}/${p.signature}`);
  }

  /** Counts a decided order of this batch for the orders decided after it; returns it for later batches. */
  add(p: PreparedCapture, plan: CapturePlan): Entry {
    const who = customerKey(p);
    const entry: Entry = {
      key: p.claim ? `${p.claim.principalId}/${p.claim.key}` : null,
      ref: `${plan.channelId}/${p.input.externalRef}`,
      who,
      customer: plan.write.order.new_customer && !this.customers.has(who) ? { ...plan.order.customer, blocked: false } : null,
      alike: `${who}/${p.signature}`,
      reserve: plan.write.reserve.map((r) => ({ skuId: r.skuId, locationId: r.locationId, quantity: r.quantity })),
    };
    this.count(entry);
    return entry;
  }

  private count(e: Entry): void {
    if (e.key) this.keys.add(e.key);
    this.refs.add(e.ref);
    if (e.customer && !this.customers.has(e.who)) this.customers.set(e.who, e.customer);
    count(this.placed, e.alike, 1);
    for (const r of e.reserve) count(this.taken, `${r.skuId}/${r.locationId}`, r.quantity);
  }
}

/**
 * The orders of committed batch writes, kept while a batch that began reading before a write ended may still
 * decide: its snapshot may or may not show that write.
 */
export class Unwritten {
  /** Writes finished so far; a batch that begins to read after write n sees it. */
  private writes = 0;
  /** For each batch reading or deciding: the writes finished when it began to read. */
  private readonly readers = new Map<symbol, number>();
  private written: { xid: bigint; write: number; entries: readonly Entry[] }[] = [];

  /** A batch begins to read its facts; call the result once it has decided. */
  reading(): () => void {
    const reader = Symbol('batch');
    this.readers.set(reader, this.writes);
    return () => {
      this.readers.delete(reader);
      this.sweep();
    };
  }

  /** What a batch whose facts were read in `snapshot` counts besides them. */
  view(snapshot: Snapshot): UnwrittenView {
    return new UnwrittenView(this.written.filter((w) => !snapshot.sees(w.xid)).flatMap((w) => w.entries));
  }

  /** A batch's write committed as transaction `xid`. (A failed write wrote nothing: nothing to record.) */
  committed(xid: bigint, entries: readonly Entry[]): void {
    this.writes++;
    this.written.push({ xid, write: this.writes, entries });
    this.sweep();
  }

  private sweep(): void {
    const oldest = Math.min(this.writes, ...this.readers.values());
    this.written = this.written.filter((w) => w.write > oldest);
  }
}
