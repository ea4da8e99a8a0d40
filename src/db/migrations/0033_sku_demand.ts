import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Recent demand per SKU and location (issue #19, the stock_balance sourcing rule: weeks of supply = on hand ÷
    -- demand). Kept by the job sourcing.refresh-demand from the order lines of the last days, so capture only reads
    -- it (and only for channels whose rule set uses stock_balance).
    CREATE TABLE sku_location_demand (
      sku_id       uuid NOT NULL REFERENCES skus(id),
      location_id  uuid NOT NULL REFERENCES locations(id),
      units        integer NOT NULL CHECK (units >= 0),
      days         integer NOT NULL CHECK (days > 0),
      computed_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku_id, location_id)
    );
  `.execute(db);
}
