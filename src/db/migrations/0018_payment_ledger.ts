import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Payment providers: the adapters Ordo calls for money movements (src/payment/provider.ts). 'offline' is built in
    -- (cash on delivery, bank transfer, invoice: an operator or a bank file says it was paid); 'http' speaks the
    -- provider protocol of docs/payments.md to base_url.
    CREATE TABLE payment_providers (
      code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_-]{0,63}$'),
      kind        text NOT NULL CHECK (kind IN ('offline', 'http')),
      base_url    text CHECK ((kind = 'http') = (base_url IS NOT NULL)),
      timeout_ms  integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 120000),
      active      boolean NOT NULL DEFAULT true,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO payment_providers (code, kind) VALUES ('offline', 'offline');

    -- Per channel: which provider takes its money and when it is captured (at order capture, or at shipment for
    -- the shipped amount). A channel without a row captures at order with the offline provider.
    CREATE TABLE payment_policies (
      channel_id  uuid PRIMARY KEY REFERENCES channels(id),
      provider    text NOT NULL REFERENCES payment_providers(code),
      capture     text NOT NULL DEFAULT 'at_order' CHECK (capture IN ('at_order', 'at_shipment')),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );

    -- The payment ledger: one row per money movement of an order. A row is written as 'pending' (the intent) before
    -- the provider is called, outside any transaction, and set to 'succeeded' or 'failed' afterwards (the outcome),
    -- so a crash between the two leaves a pending row that recovery finishes by asking the provider with the same
    -- provider_key (the provider's own idempotency key). Rows are never deleted; amounts are positive, the kind says
    -- the direction.
    CREATE TABLE payments (
      id             uuid PRIMARY KEY,
      order_id       uuid NOT NULL REFERENCES orders(id),
      kind           text NOT NULL CHECK (kind IN ('authorization', 'capture', 'void', 'refund', 'chargeback', 'transfer_out', 'transfer_in')),
      status         text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
      currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      provider       text NOT NULL,
      method         text,
      provider_key   text NOT NULL UNIQUE,
      provider_ref   text,
      failure_reason text,
      -- The caller's Idempotency-Key and request, so a repeated request finds its row instead of paying twice.
      principal_id   uuid,
      request_key    text,
      request_hash   text,
      -- Transfers: money that moved with units to another order of its family (a split, a merge), no provider call:
      -- the authorised amount moved, of which captured_part_minor was captured; counterpart_order_id is the other side.
      captured_part_minor  bigint NOT NULL DEFAULT 0 CHECK (captured_part_minor >= 0 AND captured_part_minor <= amount_minor),
      counterpart_order_id uuid REFERENCES orders(id),
      -- Refunds: which return they pay back (if any) and the explanation of every number (docs/payments.md).
      return_id      uuid,
      reason         text,
      explanation    jsonb,
      actor          text NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      settled_at     timestamptz,
      CHECK ((status = 'pending') = (settled_at IS NULL)),
      CHECK (status <> 'failed' OR failure_reason IS NOT NULL),
      CHECK ((request_key IS NULL) = (principal_id IS NULL)),
      CHECK (kind = 'refund' OR (return_id IS NULL AND explanation IS NULL)),
      CHECK ((kind IN ('transfer_out', 'transfer_in')) = (counterpart_order_id IS NOT NULL)),
      CHECK (kind IN ('transfer_out', 'transfer_in') OR captured_part_minor = 0),
      UNIQUE (principal_id, request_key)
    );
    CREATE INDEX payments_order ON payments (order_id, created_at);
    CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'pending';

    -- Existing orders get their authorisation row from the stored fields; new ones get it in the statement that
    -- inserts the order (the trigger below, a statement trigger like ADR 0001's: capture needs no extra round trip).
    INSERT INTO payments (id, order_id, kind, status, amount_minor, currency, provider, method, provider_key, actor, created_at, settled_at)
    SELECT gen_random_uuid(), id, 'authorization', 'succeeded', payment_authorized_minor, currency, 'channel', payment_method,
           'authorization:' || id, 'migration 0018', placed_at, placed_at
    FROM orders WHERE payment_authorized_minor > 0;

    CREATE FUNCTION ordo_orders_authorized() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO payments (id, order_id, kind, status, amount_minor, currency, provider, method, provider_key, actor, created_at, settled_at)
      SELECT gen_random_uuid(), n.id, 'authorization', 'succeeded', n.payment_authorized_minor, n.currency, 'channel',
             n.payment_method, 'authorization:' || n.id, 'capture', n.placed_at, now()
      -- An exchange's replacement order is paid by the returned goods: a transfer from the original, not the channel.
      FROM inserted n WHERE n.payment_authorized_minor > 0 AND n.split_from_id IS NULL AND n.payment_method IS DISTINCT FROM 'exchange';
      RETURN NULL;
    END $$;
    CREATE TRIGGER orders_authorized AFTER INSERT ON orders
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ordo_orders_authorized();

    -- Reporting in the business's base currency: one settings row, and exchange rates with the day they take effect
    -- (rate = units of the base currency per unit of the currency). A payment row is converted at the rate in effect
    -- on the day it was made (UTC).
    CREATE TABLE payment_settings (
      singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      base_currency text NOT NULL DEFAULT 'EUR' CHECK (base_currency ~ '^[A-Z]{3}$')
    );
    INSERT INTO payment_settings DEFAULT VALUES;
    CREATE TABLE fx_rates (
      currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      effective_from date NOT NULL,
      rate           numeric NOT NULL CHECK (rate > 0),
      PRIMARY KEY (currency, effective_from)
    );

    -- Return policy per channel, besides channels.return_window_days: the restocking fee (basis points of the paid
    -- value of the units that come back), whether shipping is refunded when everything comes back, and SKUs that
    -- cannot be returned.
    CREATE TABLE return_policies (
      channel_id          uuid PRIMARY KEY REFERENCES channels(id),
      restocking_fee_bps  integer NOT NULL DEFAULT 0 CHECK (restocking_fee_bps BETWEEN 0 AND 10000),
      refund_shipping     boolean NOT NULL DEFAULT false,
      non_returnable_skus uuid[] NOT NULL DEFAULT '{}',
      updated_at          timestamptz NOT NULL DEFAULT now()
    );

    -- Returns (RMA): a request for some units of some shipped lines, its way through approval, receipt and
    -- inspection (src/returns/return-status.ts), and the refund that pays it back.
    CREATE SEQUENCE return_number_seq;
    CREATE TABLE returns (
      id           uuid PRIMARY KEY,
      number       text NOT NULL UNIQUE,
      order_id     uuid NOT NULL REFERENCES orders(id),
      status       text NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled', 'received', 'inspected', 'refunded', 'closed')),
      reason_code  text NOT NULL,
      note         text,
      location_id  uuid REFERENCES locations(id),
      decided_note text,
      -- An exchange: the replacement order, and what of the returned goods' value paid for it (moved to it).
      exchange_order_id uuid REFERENCES orders(id),
      exchange_minor    bigint NOT NULL DEFAULT 0 CHECK (exchange_minor >= 0),
      version      integer NOT NULL DEFAULT 1,
      created_by   text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      CHECK (status NOT IN ('received', 'inspected', 'refunded') OR location_id IS NOT NULL)
    );
    CREATE INDEX returns_order ON returns (order_id);
    CREATE INDEX returns_status ON returns (status, created_at);

    CREATE TABLE return_lines (
      id            uuid PRIMARY KEY,
      return_id     uuid NOT NULL REFERENCES returns(id),
      order_line_id uuid NOT NULL REFERENCES order_lines(id),
      sku_id        uuid NOT NULL,
      quantity      integer NOT NULL CHECK (quantity > 0),
      reason_code   text NOT NULL,
      received      integer NOT NULL DEFAULT 0 CHECK (received >= 0),
      restocked     integer NOT NULL DEFAULT 0 CHECK (restocked >= 0),
      quarantined   integer NOT NULL DEFAULT 0 CHECK (quarantined >= 0),
      written_off   integer NOT NULL DEFAULT 0 CHECK (written_off >= 0),
      -- Every received unit is inspected at most once, into exactly one of the three.
      CHECK (received <= quantity),
      CHECK (restocked + quarantined + written_off <= received),
      UNIQUE (return_id, order_line_id)
    );
    CREATE INDEX return_lines_order_line ON return_lines (order_line_id);
  `.execute(db);
}
