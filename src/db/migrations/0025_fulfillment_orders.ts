import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Fulfilment orders (issue #19 part 4): what one location is asked to pick, pack and ship (or hand over) of one
    -- order. One open per (order, location); a cancelled or rejected one stays as history beside its successor.
    CREATE TABLE fulfillment_orders (
      id              uuid PRIMARY KEY,
      number          text NOT NULL UNIQUE,
      order_id        uuid NOT NULL REFERENCES orders(id),
      location_id     uuid NOT NULL REFERENCES locations(id),
      kind            text NOT NULL CHECK (kind IN ('ship', 'pickup')),
      status          text NOT NULL DEFAULT 'requested' CHECK (status IN (
                        'requested', 'accepted', 'picking', 'packed', 'ready_for_pickup', 'shipped', 'picked_up', 'rejected', 'cancelled')),
      version         integer NOT NULL DEFAULT 1,
      -- The code the customer shows at the store; set when the order is ready for pickup.
      pickup_code     text CHECK (pickup_code ~ '^[0-9]{6}$'),
      pickup_attempts integer NOT NULL DEFAULT 0 CHECK (pickup_attempts >= 0),
      ready_at        timestamptz,
      reason          text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CHECK (status NOT IN ('ready_for_pickup', 'picked_up') OR (kind = 'pickup' AND pickup_code IS NOT NULL AND ready_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX fulfillment_orders_open ON fulfillment_orders (order_id, location_id)
      WHERE status IN ('requested', 'accepted', 'picking', 'packed', 'ready_for_pickup');
    CREATE INDEX fulfillment_orders_location ON fulfillment_orders (location_id, status, created_at);
    CREATE INDEX fulfillment_orders_order ON fulfillment_orders (order_id);
    CREATE INDEX fulfillment_orders_ready ON fulfillment_orders (ready_at) WHERE status = 'ready_for_pickup';

    -- Which units of which order lines a fulfilment order holds, and how many of them shipped.
    CREATE TABLE fulfillment_order_lines (
      fulfillment_order_id uuid NOT NULL REFERENCES fulfillment_orders(id),
      line_id              uuid NOT NULL REFERENCES order_lines(id),
      quantity             integer NOT NULL CHECK (quantity >= 0),
      shipped              integer NOT NULL DEFAULT 0 CHECK (shipped >= 0 AND shipped <= quantity),
      PRIMARY KEY (fulfillment_order_id, line_id)
    );
    CREATE INDEX fulfillment_order_lines_line ON fulfillment_order_lines (line_id);

    -- Shipments (issue #19 part 6) become the fulfilment module's: of which fulfilment order (null for a parcel the
    -- order-level ship route recorded across locations), which service, how many parcels and how heavy, and where the
    -- carrier says it is.
    ALTER TABLE shipments
      ADD COLUMN fulfillment_order_id uuid REFERENCES fulfillment_orders(id),
      ADD COLUMN kind text NOT NULL DEFAULT 'parcel' CHECK (kind IN ('parcel', 'pickup')),
      ADD COLUMN service_code text,
      ADD COLUMN parcels integer NOT NULL DEFAULT 1 CHECK (parcels BETWEEN 1 AND 999),
      ADD COLUMN weight_grams integer CHECK (weight_grams > 0),
      ADD COLUMN status text NOT NULL DEFAULT 'shipped' CHECK (status IN (
        'shipped', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender')),
      ADD COLUMN status_at timestamptz,
      ADD COLUMN version integer NOT NULL DEFAULT 1;
    UPDATE shipments SET status = 'delivered', status_at = delivered_at WHERE delivered_at IS NOT NULL;
    ALTER TABLE shipments ADD CONSTRAINT shipments_delivered_check CHECK ((status = 'delivered') = (delivered_at IS NOT NULL));
    CREATE INDEX shipments_fulfillment_order ON shipments (fulfillment_order_id);

    -- Tracking events from carriers and warehouses, idempotent by the sender's own event id.
    CREATE TABLE shipment_events (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      shipment_id  uuid NOT NULL REFERENCES shipments(id),
      external_id  text NOT NULL,
      type         text NOT NULL CHECK (type IN ('in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender')),
      occurred_at  timestamptz NOT NULL,
      location     text,
      description  text,
      applied      boolean NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (shipment_id, external_id)
    );

    -- Orders already in the warehouse get their fulfilment orders: one per location of their reserved units.
    WITH wanted AS (
      SELECT o.id AS order_id, o.number, l.location_id,
             CASE WHEN o.delivery_method = 'pickup' AND o.pickup_location_id = l.location_id THEN 'pickup' ELSE 'ship' END AS kind,
             row_number() OVER (PARTITION BY o.id ORDER BY l.location_id) AS n
      FROM orders o JOIN order_lines l ON l.order_id = o.id
      WHERE o.status IN ('in_fulfillment', 'partially_shipped') AND l.allocated > 0 AND l.location_id IS NOT NULL
      GROUP BY o.id, o.number, o.delivery_method, o.pickup_location_id, l.location_id
    ),
    made AS (
      INSERT INTO fulfillment_orders (id, number, order_id, location_id, kind)
      SELECT gen_random_uuid(), number || '-F' || n, order_id, location_id, kind FROM wanted
      RETURNING id, order_id, location_id
    )
    INSERT INTO fulfillment_order_lines (fulfillment_order_id, line_id, quantity)
    SELECT made.id, l.id, l.allocated FROM made JOIN order_lines l ON l.order_id = made.order_id AND l.location_id = made.location_id
    WHERE l.allocated > 0;
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE shipment_events;
    ALTER TABLE shipments DROP CONSTRAINT shipments_delivered_check;
    ALTER TABLE shipments DROP COLUMN fulfillment_order_id, DROP COLUMN kind, DROP COLUMN service_code, DROP COLUMN parcels,
      DROP COLUMN weight_grams, DROP COLUMN status, DROP COLUMN status_at, DROP COLUMN version;
    DROP TABLE fulfillment_order_lines;
    DROP TABLE fulfillment_orders;
  `.execute(db);
}
