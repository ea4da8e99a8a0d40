import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Carriers and their services. The fulfilment module builds rates, labels and tracking on these.
    CREATE TABLE carriers (
      id                  uuid PRIMARY KEY,
      code                text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
      name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      -- Service levels the carrier offers, e.g. {"code":"standard","name":"Standard","transitDays":2}.
      services            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(services) = 'array'),
      -- A URL with {trackingNumber} where the customer can follow a parcel.
      tracking_url_template text CHECK (tracking_url_template LIKE 'https://%{trackingNumber}%'),
      active              boolean NOT NULL DEFAULT true,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
