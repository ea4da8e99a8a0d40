import { sql, type Kysely } from 'kysely';

// The review rules Ordo ships with, disabled: an operator enables the ones that fit (PATCH /v1/review-rules/{id}).
// Written out as data here (not imported from the app) so this migration stays as it was when it ran.
const rules = [
    {
      "code": "invalid-address",
      "name": "Incomplete or invalid shipping address",
      "priority": 10,
      "action": "hold",
      "reasonCode": "invalid_address",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "address.valid",
            "operator": "eq",
            "value": false
          }
        ]
      }
    },
    {
      "code": "blocked-customer",
      "name": "Customer on the block list",
      "priority": 20,
      "action": "hold",
      "reasonCode": "blocked_customer",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "customer.blocked",
            "operator": "eq",
            "value": true
          }
        ]
      }
    },
    {
      "code": "payment-not-authorised",
      "name": "Payment not authorised for the order total",
      "priority": 30,
      "action": "hold",
      "reasonCode": "payment_not_authorized",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "payment.authorized",
            "operator": "eq",
            "value": false
          },
          {
            "field": "order.isB2b",
            "operator": "eq",
            "value": false
          }
        ]
      }
    },
    {
      "code": "high-value",
      "name": "Order value over 1,000.00",
      "priority": 40,
      "action": "hold",
      "reasonCode": "high_value",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "order.totalMinor",
            "operator": "gt",
            "value": 100000
          }
        ]
      }
    },
    {
      "code": "unusual-quantity",
      "name": "More than 10 units of one SKU",
      "priority": 50,
      "action": "hold",
      "reasonCode": "unusual_quantity",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "order.maxUnitsPerSku",
            "operator": "gt",
            "value": 10
          }
        ]
      }
    },
    {
      "code": "likely-duplicate",
      "name": "Same customer and items within 10 minutes",
      "priority": 60,
      "action": "hold",
      "reasonCode": "likely_duplicate",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "duplicate.minutesSinceIdentical",
            "operator": "lte",
            "value": 10
          }
        ]
      }
    },
    {
      "code": "buyer-remark",
      "name": "Buyer left a remark",
      "priority": 70,
      "action": "flag",
      "reasonCode": "buyer_remark",
      "condition": {
        "match": "all",
        "conditions": [
          {
            "field": "order.hasRemark",
            "operator": "eq",
            "value": true
          }
        ]
      }
    }
  ];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  for (const r of rules) {
    await sql`
      INSERT INTO review_rules (id, code, name, priority, enabled, condition, action, reason_code)
      VALUES (gen_random_uuid(), ${r.code}, ${r.name}, ${r.priority}, false, ${JSON.stringify(r.condition)}::jsonb, ${r.action}, ${r.reasonCode})
      ON CONFLICT (code) DO NOTHING
    `.execute(db);
  }
}
