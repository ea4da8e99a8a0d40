import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Connectors (issue #22 parts 1 and 2): per sales channel, how its orders come in and its stock and parcels go out.
    CREATE TABLE connectors (
      channel_id   uuid PRIMARY KEY REFERENCES channels (id),
      kind         text NOT NULL CHECK (kind IN ('shopify', 'mapping', 'csv')),
      settings     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
      -- The secrets (app secret, access token, signing secret) as one AES-256-GCM box: 12-byte IV, 16-byte tag,
      -- ciphertext of their JSON. The key is the server's CONNECTOR_SECRET_KEY, never in the database.
      secrets      bytea CHECK (secrets IS NULL OR octet_length(secrets) > 28),
      secret_names text[] NOT NULL DEFAULT '{}',
      active       boolean NOT NULL DEFAULT true,
      -- Pulling orders from the channel's feed (settings.pull): where the last page ended, when to ask next, and how
      -- many asks in a row failed (the backoff grows with it).
      pull_cursor   text,
      pull_next_at  timestamptz,
      pull_failures integer NOT NULL DEFAULT 0 CHECK (pull_failures >= 0),
      version      integer NOT NULL DEFAULT 1 CHECK (version > 0),
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      CHECK ((secrets IS NULL) = (cardinality(secret_names) = 0))
    );

    -- What each connector did, in and out: the connector's health (last success, last error, lag) is read from here.
    CREATE TABLE connector_log (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      channel_id   uuid NOT NULL REFERENCES channels (id),
      at           timestamptz NOT NULL DEFAULT now(),
      direction    text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
      topic        text NOT NULL,
      outcome      text NOT NULL CHECK (outcome IN ('ok', 'duplicate', 'held', 'ignored', 'rejected', 'failed')),
      status_code  integer,
      external_ref text,
      order_id     uuid,
      lag_ms       bigint CHECK (lag_ms IS NULL OR lag_ms >= 0),
      message      text,
      details      jsonb
    );
    CREATE INDEX connector_log_channel ON connector_log (channel_id, id);
    CREATE INDEX connector_log_outcome ON connector_log (channel_id, outcome, id);
    CREATE INDEX connector_log_order ON connector_log (order_id, id) WHERE order_id IS NOT NULL;

    -- A channel's order that cannot become an Ordo order yet (a SKU the catalogue does not know): kept with the
    -- reason, never dropped, and captured again when asked (or when the channel sends it again).
    CREATE TABLE connector_held_orders (
      id           uuid PRIMARY KEY,
      channel_id   uuid NOT NULL REFERENCES channels (id),
      external_ref text NOT NULL,
      topic        text NOT NULL,
      payload      jsonb NOT NULL,
      reason_code  text NOT NULL,
      reason       text NOT NULL,
      status       text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'captured', 'discarded')),
      order_id     uuid REFERENCES orders (id),
      attempts     integer NOT NULL DEFAULT 1 CHECK (attempts > 0),
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      CHECK ((status = 'captured') = (order_id IS NOT NULL))
    );
    CREATE UNIQUE INDEX connector_held_orders_open ON connector_held_orders (channel_id, external_ref) WHERE status = 'held';

    -- The last availability pushed per (channel, SKU), with its event's aggregate version: a push never sends an
    -- older number after a newer one, whatever the order deliveries are retried in.
    CREATE TABLE connector_stock_pushes (
      channel_id   uuid NOT NULL REFERENCES channels (id),
      sku_id       uuid NOT NULL,
      version      integer NOT NULL CHECK (version >= 0),
      available    integer NOT NULL,
      pushed_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel_id, sku_id)
    );

    -- The connectors sink (stock and parcel pushes) is registered when a connector that pushes is saved.
    ALTER TABLE event_sinks DROP CONSTRAINT event_sinks_kind_check;
    ALTER TABLE event_sinks ADD CONSTRAINT event_sinks_kind_check CHECK (kind IN ('webhook', 'nats', 'notifications', 'connectors'));
  `.execute(db);
}
