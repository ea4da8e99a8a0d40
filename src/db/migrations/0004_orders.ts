import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    CREATE TABLE customers (
      id                 uuid PRIMARY KEY,
      email              text CHECK (email = lower(email) AND email LIKE '%_@_%'),
      phone              text CHECK (phone ~ '^\\+?[0-9]{5,20}$'),
      name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      type               text NOT NULL DEFAULT 'person' CHECK (type IN ('person','business')),
      company            text,
      vat_id             text,
      -- B2B accounts: invoice payment terms in days (0 = pay at order).
      payment_terms_days integer NOT NULL DEFAULT 0 CHECK (payment_terms_days BETWEEN 0 AND 365),
      blocked            boolean NOT NULL DEFAULT false,
      blocked_reason     text,
      version            integer NOT NULL DEFAULT 1,
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now(),
      CHECK (email IS NOT NULL OR phone IS NOT NULL)
    );
    CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email IS NOT NULL;
    CREATE UNIQUE INDEX customers_phone ON customers (phone) WHERE phone IS NOT NULL AND email IS NULL;
    CREATE INDEX customers_phone_lookup ON customers (phone);

    -- Order numbers: per channel prefix + a sequence shared by all channels.
    CREATE SEQUENCE order_number_seq START 100000;

    CREATE TABLE orders (
      id                    uuid PRIMARY KEY,
      number                text NOT NULL UNIQUE,
      channel_id            uuid NOT NULL REFERENCES channels(id),
      external_ref          text NOT NULL CHECK (length(external_ref) BETWEEN 1 AND 128),
      customer_id           uuid NOT NULL REFERENCES customers(id),
      status                text NOT NULL CHECK (status IN ('received','on_hold','confirmed','allocated','in_fulfillment',
                              'partially_shipped','shipped','delivered','completed','cancelled')),
      currency              char(3) NOT NULL,
      subtotal_minor        bigint NOT NULL CHECK (subtotal_minor >= 0),
      discount_minor        bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
      shipping_minor        bigint NOT NULL DEFAULT 0 CHECK (shipping_minor >= 0),
      tax_minor             bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
      total_minor           bigint NOT NULL CHECK (total_minor >= 0),
      payment_method        text,
      payment_authorized_minor bigint NOT NULL DEFAULT 0 CHECK (payment_authorized_minor >= 0),
      delivery_method       text NOT NULL CHECK (delivery_method IN ('ship','pickup')),
      pickup_location_id    uuid REFERENCES locations(id),
      shipping_address      jsonb,
      billing_address       jsonb,
      buyer_remark          text,
      purchase_order_number text,
      entered_by            text,
      -- Denormalised for text search on customer name, email, phone and address (trigram index below).
      search_text           text NOT NULL DEFAULT '',
      tracking_token        text NOT NULL UNIQUE,
      -- md5 of the sorted (sku, quantity) pairs: finds the same customer ordering the same items again.
      items_signature       text NOT NULL,
      merged_into_id        uuid REFERENCES orders(id),
      split_from_id         uuid REFERENCES orders(id),
      placed_at             timestamptz NOT NULL,
      created_at            timestamptz NOT NULL DEFAULT now(),
      updated_at            timestamptz NOT NULL DEFAULT now(),
      version               integer NOT NULL DEFAULT 1,
      UNIQUE (channel_id, external_ref),
      CHECK ((delivery_method = 'pickup') = (pickup_location_id IS NOT NULL)),
      CHECK (total_minor = subtotal_minor - discount_minor + shipping_minor + tax_minor)
    );
    CREATE INDEX orders_placed ON orders (placed_at DESC, id DESC);
    CREATE INDEX orders_status_placed ON orders (status, placed_at DESC, id DESC);
    CREATE INDEX orders_channel_placed ON orders (channel_id, placed_at DESC, id DESC);
    CREATE INDEX orders_customer_placed ON orders (customer_id, placed_at DESC, id DESC);
    CREATE INDEX orders_total ON orders (total_minor, id);
    CREATE INDEX orders_external_ref ON orders (external_ref);
    CREATE INDEX orders_search ON orders USING gin (search_text gin_trgm_ops);
    CREATE INDEX orders_customer_items ON orders (customer_id, items_signature, placed_at DESC);

    CREATE TABLE order_lines (
      id                 uuid PRIMARY KEY,
      order_id           uuid NOT NULL REFERENCES orders(id),
      line_no            integer NOT NULL CHECK (line_no > 0),
      sku_id             uuid NOT NULL REFERENCES skus(id),
      location_id        uuid REFERENCES locations(id),
      quantity           integer NOT NULL CHECK (quantity > 0),
      allocated          integer NOT NULL DEFAULT 0 CHECK (allocated >= 0),
      shipped            integer NOT NULL DEFAULT 0 CHECK (shipped >= 0),
      cancelled          integer NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
      returned           integer NOT NULL DEFAULT 0 CHECK (returned >= 0),
      backordered        integer NOT NULL DEFAULT 0 CHECK (backordered >= 0),
      unit_price_minor   bigint NOT NULL CHECK (unit_price_minor >= 0),
      discount_minor     bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
      tax_minor          bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
      UNIQUE (order_id, line_no),
      -- Every ordered unit is, at any time, exactly one of: waiting (backordered or not yet allocated), allocated
      -- (reserved), shipped or cancelled; returned units are a subset of shipped.
      CHECK (allocated + shipped + cancelled + backordered <= quantity),
      CHECK (returned <= shipped),
      CHECK (discount_minor <= unit_price_minor * quantity)
    );
    CREATE INDEX order_lines_order ON order_lines (order_id, line_no);
    CREATE INDEX order_lines_sku ON order_lines (sku_id, order_id);

    CREATE TABLE order_holds (
      id          uuid PRIMARY KEY,
      order_id    uuid NOT NULL REFERENCES orders(id),
      reason_code text NOT NULL,
      rule_id     uuid,
      note        text,
      status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open','released','rejected')),
      created_at  timestamptz NOT NULL DEFAULT now(),
      decided_at  timestamptz,
      decided_by  text
    );
    CREATE INDEX order_holds_order ON order_holds (order_id);
    CREATE INDEX order_holds_open_reason ON order_holds (reason_code, order_id) WHERE status = 'open';

    -- Flags: rules whose action is "flag" mark an order for attention without stopping it.
    CREATE TABLE order_flags (
      order_id    uuid NOT NULL REFERENCES orders(id),
      reason_code text NOT NULL,
      rule_id     uuid,
      created_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (order_id, reason_code)
    );

    CREATE TABLE order_timeline (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id   uuid NOT NULL REFERENCES orders(id),
      at         timestamptz NOT NULL DEFAULT now(),
      actor      text NOT NULL,
      type       text NOT NULL,
      from_status text,
      to_status  text,
      message    text NOT NULL,
      details    jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX order_timeline_order ON order_timeline (order_id, id);

    CREATE TABLE review_rules (
      id          uuid PRIMARY KEY,
      code        text NOT NULL UNIQUE,
      name        text NOT NULL,
      priority    integer NOT NULL DEFAULT 100,
      enabled     boolean NOT NULL DEFAULT false,
      -- {"match":"all"|"any","conditions":[{"field":…,"operator":…,"value":…}]}
      condition   jsonb NOT NULL,
      action      text NOT NULL CHECK (action IN ('hold','flag')),
      reason_code text NOT NULL,
      version     integer NOT NULL DEFAULT 1,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );

    -- Parcels shipped for an order: what the customer's tracking page shows. The fulfilment module extends this.
    CREATE TABLE shipments (
      id              uuid PRIMARY KEY,
      order_id        uuid NOT NULL REFERENCES orders(id),
      carrier_code    text,
      tracking_number text,
      lines           jsonb NOT NULL,
      shipped_at      timestamptz NOT NULL DEFAULT now(),
      delivered_at    timestamptz
    );
    CREATE INDEX shipments_order ON shipments (order_id);
  `.execute(db);
}
