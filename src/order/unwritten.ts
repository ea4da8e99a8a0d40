/**
 * Between two capture batches (src/order/capture-batch.ts): what orders decided by one batch take or create until
 * every later batch can read it from the database. Pure bookkeeping; the database still decides.
 */
import type { CustomerFacts } from './capture.repository.js';
import type { CapturePlan, PreparedCapture } from './capture-order.js';

/** Who an order is for, as the capture finds customers: by email, else by phone. */
const customerKey = (p: PreparedCapture) => p.email ?? `phone:${p.phone}`;

/**
 * What decided orders take or create, from their decision until every batch can see their write: a batch that
 * read its facts before that write committed still needs them when it decides.
 */
export class Unwritten {
  /** Writes finished so far; a batch's facts read after write n show its rows. */
  private writes = 0;
  /** For each batch reading or deciding: the writes finished when it began to read. */
  private readonly readers = new Map<symbol, number>();
  /** Entries of finished writes, kept while a batch that began to read before them is still deciding. */
  private finished: { write: number; forget: () => void }[] = [];
  private readonly taken = new Map<string, number>();
  private readonly refs = new Set<string>();
  private readonly keys = new Set<string>();
  private readonly customers = new Map<string, CustomerFacts>();
  /** Unwritten orders per (customer, items signature), for the likely-duplicate rule. */
  private readonly placed = new Map<string, number>();

  /** Units of (sku, location) not yet written. */
  takenAt(skuId: string, locationId: string): number {
    return this.taken.get(`${skuId}/${locationId}`) ?? 0;
  }

  /** The order's key or its channel's reference is another unwritten order's. */
  collides(p: PreparedCapture, plan: CapturePlan): boolean {
    return (p.claim !== null && this.keys.has(`${p.claim.principalId}/${p.claim.key}`)) || this.refs.has(`${plan.channelId}/${p.input.externalRef}`);
  }

  customer(p: PreparedCapture): CustomerFacts | undefined {
    return this.customers.get(customerKey(p));
  }

  placedAlike(p: PreparedCapture): boolean {
    return this.placed.has(`${customerKey(p)}/${p.signature}`);
  }

  /** A batch begins to read its facts; call the result once it has decided. */
  reading(): () => void {
    const reader = Symbol('batch');
    this.readers.set(reader, this.writes);
    return () => {
      this.readers.delete(reader);
      this.sweep();
    };
  }

  /** A batch's write ended (committed or not): its orders are forgotten once no batch can miss them. */
  written(forgets: readonly (() => void)[]): void {
    this.writes++;
    for (const forget of forgets) this.finished.push({ write: this.writes, forget });
    this.sweep();
  }

  private sweep(): void {
    const oldest = Math.min(this.writes, ...this.readers.values());
    const keep = this.finished.filter((f) => f.write > oldest);
    for (const f of this.finished) if (f.write <= oldest) f.forget();
    this.finished = keep;
  }

  /** Records a decided order; returns what forgets it again. */
  add(p: PreparedCapture, plan: CapturePlan): () => void {
    const key = p.claim ? `${p.claim.principalId}/${p.claim.key}` : null;
    const ref = `${plan.channelId}/${p.input.externalRef}`;
    const who = customerKey(p);
    const alike = `${who}/${p.signature}`;
    const customer = plan.write.order.new_customer && !this.customers.has(who) ? who : null;
    if (key) this.keys.add(key);
    this.refs.add(ref);
    if (customer) this.customers.set(customer, { ...plan.order.customer, blocked: false });
    count(this.placed, alike, 1);
    for (const r of plan.write.reserve) count(this.taken, `${r.skuId}/${r.locationId}`, r.quantity);
    return () => {
      if (key) this.keys.delete(key);
      this.refs.delete(ref);
      if (customer) this.customers.delete(customer);
      count(this.placed, alike, -1);
      for (const r of plan.write.reserve) count(this.taken, `${r.skuId}/${r.locationId}`, -r.quantity);
    };
  }
}

/** Adds to a count; a count that reaches zero leaves the map. */
function count(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
