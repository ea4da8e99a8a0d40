import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Sourcing (issue #19 parts 1-3, docs/sourcing.md): what a location can take a day, its cut-off in its own time
    -- zone, and the regions it ships to (null: everywhere).
    ALTER TABLE locations
      ADD COLUMN daily_capacity integer CHECK (daily_capacity >= 0),
      ADD COLUMN cutoff_time time,
      ADD COLUMN time_zone text,
      ADD COLUMN serves_regions text[] CHECK (cardinality(serves_regions) > 0);

    -- Orders (parcels) a location took on one of its local days, counted only for locations with a daily capacity.
    CREATE TABLE location_daily_loads (
      location_id uuid NOT NULL REFERENCES locations (id),
      day         date NOT NULL,
      orders      integer NOT NULL CHECK (orders >= 0),
      PRIMARY KEY (location_id, day)
    );

    -- The rule set each channel sources by; a channel without a row uses the default (fewest shipments, priority).
    CREATE TABLE sourcing_rule_sets (
      channel_id  uuid PRIMARY KEY REFERENCES channels (id),
      rules       jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'array' AND jsonb_array_length(rules) > 0),
      split_lines boolean NOT NULL DEFAULT false,
      version     integer NOT NULL DEFAULT 1,
      updated_at  timestamptz NOT NULL DEFAULT now()
    );

    -- Every sourcing decision with its explanation: each candidate, its score per rule, why it was rejected.
    CREATE TABLE sourcing_decisions (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id    uuid NOT NULL REFERENCES orders (id),
      trigger     text NOT NULL CHECK (trigger IN ('capture', 'line_added', 'backorder', 'resource')),
      reason      text,
      explanation jsonb NOT NULL CHECK (jsonb_typeof(explanation) = 'object'),
      decided_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sourcing_decisions_order ON sourcing_decisions (order_id, id);
  `.execute(db);
}
