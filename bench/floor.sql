-- The bare-SQL floor of order capture (bench/floor.ts): what this machine's PostgreSQL does when a client writes an
-- order as one statement with no HTTP, no validation, no review and no Ordo in between. Each order is: the order row,
-- 3 lines, 3 guarded stock updates (reserved + n where on hand − reserved ≥ n), 3 ledger rows and 1 outbox row.
-- Its own schema, so it runs beside Ordo's tables in the benchmark's database and never touches them.
DROP SCHEMA IF EXISTS ordo_floor CASCADE;
CREATE SCHEMA ordo_floor;

CREATE TABLE ordo_floor.stock (
  sku_id int NOT NULL,
  location_id int NOT NULL,
  on_hand int NOT NULL,
  reserved int NOT NULL DEFAULT 0,
  PRIMARY KEY (sku_id, location_id),
  CHECK (reserved >= 0 AND reserved <= on_hand)
);

CREATE TABLE ordo_floor.orders (
  id uuid PRIMARY KEY,
  channel text NOT NULL,
  external_ref text NOT NULL,
  customer_email text NOT NULL,
  currency char(3) NOT NULL,
  total_minor bigint NOT NULL,
  status text NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, external_ref)
);

CREATE TABLE ordo_floor.order_lines (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES ordo_floor.orders (id),
  line_no int NOT NULL,
  sku_id int NOT NULL,
  quantity int NOT NULL CHECK (quantity > 0),
  unit_price_minor bigint NOT NULL
);
CREATE INDEX ON ordo_floor.order_lines (order_id);

CREATE TABLE ordo_floor.ledger (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku_id int NOT NULL,
  location_id int NOT NULL,
  reserved_delta int NOT NULL,
  reason text NOT NULL,
  reference_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ordo_floor.outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL,
  aggregate_id uuid NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- 300 SKUs with plentiful stock at one location, as bench:orders gives Ordo.
INSERT INTO ordo_floor.stock (sku_id, location_id, on_hand) SELECT s, 1, 100000000 FROM generate_series(1, 300) s;

-- The statement, one per order ($1 order id, $2 external ref, $3 email, $4 total, $5 lines as JSON):
-- bench/floor.ts sends it exactly as written here (the text after this line).
-- STATEMENT
WITH lines AS (
  SELECT * FROM jsonb_to_recordset($5::jsonb) AS x(id uuid, line_no int, sku_id int, quantity int, unit_price_minor bigint)
),
o AS (
  INSERT INTO ordo_floor.orders (id, channel, external_ref, customer_email, currency, total_minor, status)
  VALUES ($1::uuid, 'FLOOR', $2, $3, 'EUR', $4, 'allocated')
  RETURNING id
),
l AS (
  INSERT INTO ordo_floor.order_lines (id, order_id, line_no, sku_id, quantity, unit_price_minor)
  SELECT lines.id, o.id, line_no, sku_id, quantity, unit_price_minor FROM lines, o
),
s AS (
  UPDATE ordo_floor.stock st SET reserved = st.reserved + lines.quantity FROM lines
  WHERE st.sku_id = lines.sku_id AND st.location_id = 1 AND st.on_hand - st.reserved >= lines.quantity
  RETURNING st.sku_id
),
g AS (
  INSERT INTO ordo_floor.ledger (sku_id, location_id, reserved_delta, reason, reference_id)
  SELECT sku_id, 1, quantity, 'reservation', id FROM lines
),
e AS (
  INSERT INTO ordo_floor.outbox (type, aggregate_id, payload)
  SELECT 'order.received', o.id, jsonb_build_object('orderId', o.id, 'lines', $5::jsonb) FROM o
)
SELECT count(*)::int AS guarded FROM s
