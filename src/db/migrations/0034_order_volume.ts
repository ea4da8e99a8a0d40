import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The dashboard's 30-day chart (issue #23): orders and revenue per 15 minutes, channel and currency, rebuilt by
    -- the job orders.volume from the orders themselves. Summing a month of these (about 3,000 buckets a channel) is
    -- what keeps the chart fast at a million orders; the orders since the last rebuild are counted live. Capture
    -- writes nothing here (a counter row per channel would serialise every capture of that channel).
    CREATE TABLE order_volume (
      bucket_start  timestamptz NOT NULL CHECK (extract(epoch FROM bucket_start)::bigint % 900 = 0),
      channel_id    uuid NOT NULL REFERENCES channels(id),
      currency      char(3) NOT NULL,
      orders        integer NOT NULL CHECK (orders > 0),
      -- Order totals, cancelled orders left out (as the dashboard counts revenue).
      revenue_minor bigint NOT NULL CHECK (revenue_minor >= 0),
      PRIMARY KEY (bucket_start, channel_id, currency)
    );
    -- One row: the buckets in order_volume cover placed_at in [covers_from, covers_to); an order placed later is
    -- counted from the orders table.
    CREATE TABLE order_volume_state (
      id            boolean PRIMARY KEY DEFAULT true CHECK (id),
      covers_from   timestamptz NOT NULL,
      covers_to     timestamptz NOT NULL CHECK (covers_to >= covers_from),
      rebuilt_at    timestamptz NOT NULL
    );
  `.execute(db);
}
