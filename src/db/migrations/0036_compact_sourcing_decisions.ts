import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A cheaper row for the decision capture stores with every order (issue #19: capture may lose at most 5 %).
    -- Keyed by the order and the decision's number within it (1 = at capture) instead of an identity with a second
    -- index; no foreign key (its check ran once per order inside capture's statement): \`ordo check\` finds a decision
    -- whose order is missing. The explanation is json in a compact form (src/sourcing/stored-explanation.ts): stored
    -- as sent, not parsed into jsonb; older rows keep their readable form, which the code reads as well.
    ALTER TABLE sourcing_decisions RENAME TO sourcing_decisions_0024;
    CREATE TABLE sourcing_decisions (
      order_id    uuid NOT NULL,
      seq         integer NOT NULL CHECK (seq > 0),
      trigger     text NOT NULL CHECK (trigger IN ('capture', 'line_added', 'backorder', 'resource')),
      reason      text,
      explanation json NOT NULL CHECK (json_typeof(explanation) = 'object'),
      decided_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (order_id, seq)
    );
    INSERT INTO sourcing_decisions (order_id, seq, trigger, reason, explanation, decided_at)
    SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY id), trigger, reason, explanation::json, decided_at
    FROM sourcing_decisions_0024;
    DROP TABLE sourcing_decisions_0024;
  `.execute(db);
}
