/** The payment invariants `ordo check` verifies, per order over its ledger (see ledger.ts). */
import { sql } from 'kysely';
import type { Check } from '../db/check.js';

export const paymentChecks: Check[] = [
  {
    name: 'no order has more refunded than captured, nor more captured than authorised',
    // Transfers (split, merge) count where the money went: in on the order that took the units, out on the other.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || (SELECT number FROM orders WHERE id = x.order_id) || ': authorised ' || x.auth || ', voided ' || x.voided
               || ', captured ' || x.captured || ', refunded ' || x.refunded || ', charged back ' || x.chargeback AS what
        FROM (SELECT order_id,
                     coalesce(sum(amount_minor) FILTER (WHERE kind IN ('authorization', 'transfer_in')), 0)
                       - coalesce(sum(amount_minor) FILTER (WHERE kind = 'transfer_out'), 0) AS auth,
                     coalesce(sum(amount_minor) FILTER (WHERE kind = 'void'), 0) AS voided,
                     coalesce(sum(amount_minor) FILTER (WHERE kind = 'capture'), 0)
                       + coalesce(sum(captured_part_minor) FILTER (WHERE kind = 'transfer_in'), 0)
                       - coalesce(sum(captured_part_minor) FILTER (WHERE kind = 'transfer_out'), 0) AS captured,
                     coalesce(sum(amount_minor) FILTER (WHERE kind = 'refund'), 0) AS refunded,
                     coalesce(sum(amount_minor) FILTER (WHERE kind = 'chargeback'), 0) AS chargeback
              FROM payments WHERE status = 'succeeded' GROUP BY order_id) x
        WHERE x.refunded + x.chargeback > x.captured OR x.captured > x.auth - x.voided
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'every refund equals the sum of its explained parts',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'refund ' || p.id || ' of order ' || (SELECT number FROM orders WHERE id = p.order_id) || ': amount ' || p.amount_minor
               || ' but its explanation says ' || (p.explanation->>'totalMinor') AS what
        FROM payments p
        WHERE p.kind = 'refund' AND p.explanation IS NOT NULL AND (
          (p.explanation->>'totalMinor')::bigint <> p.amount_minor
          OR (p.explanation->>'totalMinor')::bigint <> (p.explanation->>'itemsMinor')::bigint + (p.explanation->'shipping'->>'amountMinor')::bigint
             - (p.explanation->'unallocatedDiscount'->>'amountMinor')::bigint - (p.explanation->'restockingFee'->>'amountMinor')::bigint
             + (p.explanation->'goodwill'->>'amountMinor')::bigint + (p.explanation->'cancellation'->>'amountMinor')::bigint
             - (p.explanation->'exchange'->>'amountMinor')::bigint - (p.explanation->>'cappedMinor')::bigint)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'the authorisation of an order equals its stored payment fields',
    // Capture stores `payment.authorizedMinor` on the order and the trigger of migration 0018 writes the row; a
    // difference means one of them was written without the other (the channel's authorisation, provider 'channel').
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'order ' || o.number || ': payment_authorized_minor ' || o.payment_authorized_minor || ' but the ledger has ' || coalesce(a.amount, 0) AS what
        FROM orders o
        LEFT JOIN (SELECT order_id, sum(amount_minor) AS amount FROM payments WHERE kind = 'authorization' AND provider = 'channel' GROUP BY order_id) a
          ON a.order_id = o.id
        WHERE o.split_from_id IS NULL AND o.payment_method IS DISTINCT FROM 'exchange' AND o.payment_authorized_minor <> coalesce(a.amount, 0)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'every transfer of money between orders has its two sides',
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'transfer ' || o.id || ' (' || o.kind || ') of order ' || (SELECT number FROM orders WHERE id = o.order_id) || ' has no matching other side' AS what
        FROM payments o
        WHERE o.kind IN ('transfer_out', 'transfer_in') AND NOT EXISTS (
          SELECT 1 FROM payments i WHERE i.order_id = o.counterpart_order_id AND i.counterpart_order_id = o.order_id
            AND i.kind = CASE o.kind WHEN 'transfer_out' THEN 'transfer_in' ELSE 'transfer_out' END
            AND i.amount_minor = o.amount_minor AND i.captured_part_minor = o.captured_part_minor)
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'money recorded from bank files is settled offline money',
    // A bank file records money that came outside any provider: a settled capture of an offline provider's order.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'payment ' || p.id || ' of order ' || (SELECT number FROM orders WHERE id = p.order_id) || ' came from a bank file but is a '
               || p.status || ' ' || p.kind || ' of provider ' || p.provider || ' (' || coalesce(pr.kind, 'unknown') || ')' AS what
        FROM payments p LEFT JOIN payment_providers pr ON pr.code = p.provider
        WHERE p.bank_row_key IS NOT NULL AND (p.status <> 'succeeded' OR p.kind <> 'capture' OR pr.kind IS DISTINCT FROM 'offline')
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
  {
    name: 'the test provider and the ledger agree on every settled movement',
    // The test provider keeps its side (payment_test_operations); a settled row that says otherwise was settled
    // without asking it, e.g. failed while the money moved.
    run: async (db) => {
      const rows = await sql<{ what: string }>`
        SELECT 'payment ' || p.id || ' of order ' || (SELECT number FROM orders WHERE id = p.order_id) || ' is ' || p.status
               || ' but the test provider ' || o.provider || ' says ' || o.status AS what
        FROM payments p JOIN payment_test_operations o ON o.provider_key = p.provider_key
        WHERE p.status <> 'pending' AND p.status <> o.status
        LIMIT 100`.execute(db);
      return rows.rows.map((r) => r.what);
    },
  },
];
