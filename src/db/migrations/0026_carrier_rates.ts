import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Carriers and rates (issue #19 part 5). A carrier says which adapter quotes and ships with it: 'manual' (a
    -- person types the tracking number, no quotes) or 'rate-table' (quotes from the services' rate tables).
    ALTER TABLE carriers ADD COLUMN adapter text NOT NULL DEFAULT 'rate-table' CHECK (adapter IN ('manual', 'rate-table'));
    ALTER TABLE carriers ADD COLUMN version int NOT NULL DEFAULT 1;

    -- A carrier's services become rows, so that a rate table belongs to one service and a shipment can name it.
    CREATE TABLE carrier_services (
      id               uuid PRIMARY KEY,
      carrier_id       uuid NOT NULL REFERENCES carriers (id) ON DELETE CASCADE,
      code             text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
      name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      -- Door-to-door days once handed over, when its rate table says nothing more precise for a zone.
      transit_days_min int NOT NULL CHECK (transit_days_min BETWEEN 0 AND 60),
      transit_days_max int NOT NULL CHECK (transit_days_max BETWEEN transit_days_min AND 60),
      -- Volumetric weight: cm³ per kg (6000, 8000 …); null = the carrier charges actual weight only.
      dim_factor       int CHECK (dim_factor BETWEEN 1000 AND 20000),
      active           boolean NOT NULL DEFAULT true,
      -- The order the carrier lists its services in.
      position         int NOT NULL DEFAULT 0,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      UNIQUE (carrier_id, code)
    );
    INSERT INTO carrier_services (id, carrier_id, code, name, transit_days_min, transit_days_max, position)
    SELECT gen_random_uuid(), c.id, s.value->>'code', s.value->>'name',
      least(greatest((s.value->>'transitDays')::int, 0), 60), least(greatest((s.value->>'transitDays')::int, 0), 60), s.ordinality::int
    FROM carriers c CROSS JOIN LATERAL jsonb_array_elements(c.services) WITH ORDINALITY AS s(value, ordinality);
    ALTER TABLE carriers DROP COLUMN services;

    -- One rate table per service: zones by (origin, destination) region, each priced by first + additional weight
    -- (首重/续重) or by weight bands, in minor units of the table's currency. The zones' shape is checked by the
    -- application (src/fulfillment/rate-table.ts) before it is written; the database keeps what it can say simply.
    CREATE TABLE rate_tables (
      service_id   uuid PRIMARY KEY REFERENCES carrier_services (id) ON DELETE CASCADE,
      currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      pricing      text NOT NULL CHECK (pricing IN ('first_additional', 'weight_bands')),
      zones        jsonb NOT NULL CHECK (jsonb_typeof(zones) = 'array' AND jsonb_array_length(zones) > 0),
      -- The heaviest parcel (chargeable grams) the service takes; null = no limit but the table's own.
      max_weight_grams int CHECK (max_weight_grams > 0),
      version      int NOT NULL DEFAULT 1,
      updated_at   timestamptz NOT NULL DEFAULT now()
    );

    -- A token that changes with every change to carriers, services or rate tables (in the changing transaction):
    -- capture's facts statement reads it, and a process reloads its cached rate book only when it changed. Random
    -- rather than a counter, so that a database restored from a backup can never show a number a process has cached
    -- for other content.
    CREATE TABLE rate_catalog (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      version   uuid NOT NULL DEFAULT gen_random_uuid()
    );
    INSERT INTO rate_catalog (singleton) VALUES (true);

    -- The promise a channel makes: days to hand an order to the carrier, and the transit days to promise when no
    -- rate table covers the way (null: no promise then).
    ALTER TABLE channels ADD COLUMN handling_days int NOT NULL DEFAULT 1 CHECK (handling_days BETWEEN 0 AND 60);
    ALTER TABLE channels ADD COLUMN default_transit_days int CHECK (default_transit_days BETWEEN 0 AND 90);

    -- The date the customer was promised at capture, so that "late" can be reported.
    ALTER TABLE orders ADD COLUMN promised_delivery_date date;
  `.execute(db);
}
