/**
 * Within one capture batch (src/order/capture-batch.ts): what the orders decided earlier in the batch use or create,
 * which the batch's facts cannot show — Idempotency-Keys and channel references, new customers, identical orders
 * (the likely-duplicate rule). The units they take are counted on the batch's stock (plan-capture.ts, captureStock).
 */
import type { CustomerFacts } from './capture.repository.js';
import type { PreparedCapture } from './capture-order.js';
import type { CapturePlan } from './plan-capture.js';

/** Who an order is for, as the capture finds customers: by email, else by phone. */
const customerKey = (p: PreparedCapture) => p.email ?? `phone:${p.phone}`;

/** What the orders decided so far in a batch use or create, for the orders decided after them. */
export class BatchMates {
  private readonly refs = new Set<string>();
  private readonly keys = new Set<string>();
  private readonly customers = new Map<string, CustomerFacts>();
  /** (customer, items signature) of the orders so far, for the likely-duplicate rule. */
  private readonly alike = new Set<string>();

  /** The order's key or its channel's reference is an earlier order's of the batch. */
  collides(p: PreparedCapture, plan: CapturePlan): boolean {
    return (p.claim !== null && this.keys.has(`${p.claim.principalId}/${p.claim.key}`)) || this.refs.has(`${plan.channelId}/${p.input.externalRef}`);
  }

  /** The customer an earlier order of the batch creates for this order's email (or phone). */
  customer(p: PreparedCapture): CustomerFacts | undefined {
    return this.customers.get(customerKey(p));
  }

  /** An earlier order of the batch is for the same customer and the same items. */
  placedAlike(p: PreparedCapture): boolean {
    return this.alike.has(`${customerKey(p)}/${p.signature}`);
  }

  /** Counts a decided order for the orders decided after it. */
  add(p: PreparedCapture, plan: CapturePlan): void {
    const who = customerKey(p);
    if (p.claim) this.keys.add(`${p.claim.principalId}/${p.claim.key}`);
    this.refs.add(`${plan.channelId}/${p.input.externalRef}`);
    if (plan.write.order.new_customer && !this.customers.has(who)) this.customers.set(who, { ...plan.order.customer, blocked: false });
    this.alike.add(`${who}/${p.signature}`);
  }
}
