import { sql, type Kysely } from 'kysely';

// Migrations are typed Kysely<any> so that they stay frozen in time: later changes to the app's types never
// change what an old migration does. They are forward-only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE api_keys (
      id          uuid PRIMARY KEY,
      name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      role        text NOT NULL CHECK (role IN ('admin','operator','warehouse','finance','viewer','integration')),
      -- The first characters of the key, shown in listings so a person can tell keys apart; never enough to use.
      prefix      text NOT NULL,
      -- SHA-256 of the whole key. Keys are 256 random bits, so a fast hash is safe; the key itself is never stored.
      key_hash    bytea NOT NULL UNIQUE,
      created_by  uuid REFERENCES api_keys(id),
      created_at  timestamptz NOT NULL DEFAULT now(),
      revoked_at  timestamptz
    );

    CREATE TABLE audit_log (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at          timestamptz NOT NULL DEFAULT now(),
      actor_id    uuid,
      actor_name  text NOT NULL,
      action      text NOT NULL,
      entity_type text NOT NULL,
      entity_id   text,
      request_id  text,
      details     jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
    CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

    -- One row per (caller, Idempotency-Key). The row is inserted in the transaction that does the work, so a
    -- concurrent request with the same key waits on the unique index until the first commits or rolls back.
    CREATE TABLE idempotency_keys (
      principal_id    uuid NOT NULL,
      key             text NOT NULL,
      method          text NOT NULL,
      path            text NOT NULL,
      request_hash    text NOT NULL,
      response_status int,
      response_body   jsonb,
      created_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (principal_id, key)
    );
    CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

    CREATE TABLE skus (
      id           uuid PRIMARY KEY,
      code         text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
      name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      barcode      text UNIQUE CHECK (length(barcode) BETWEEN 1 AND 64),
      weight_grams integer CHECK (weight_grams >= 0),
      length_mm    integer CHECK (length_mm >= 0),
      width_mm     integer CHECK (width_mm >= 0),
      height_mm    integer CHECK (height_mm >= 0),
      price_minor  bigint CHECK (price_minor >= 0),
      currency     char(3) CHECK (currency ~ '^[A-Z]{3}$'),
      active       boolean NOT NULL DEFAULT true,
      attributes   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
      version      integer NOT NULL DEFAULT 1,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      -- A price is an amount in a currency: one without the other means nothing.
      CHECK ((price_minor IS NULL) = (currency IS NULL)),
      -- Dimensions are all known or all unknown.
      CHECK ((length_mm IS NULL) = (width_mm IS NULL) AND (width_mm IS NULL) = (height_mm IS NULL))
    );
    CREATE INDEX skus_name_lower ON skus (lower(name) text_pattern_ops);

    CREATE TABLE locations (
      id            uuid PRIMARY KEY,
      code          text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
      name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      type          text NOT NULL CHECK (type IN ('warehouse','store','dropship')),
      address_line1 text,
      address_line2 text,
      city          text,
      state         text,
      postal_code   text,
      country       char(2) CHECK (country ~ '^[A-Z]{2}$'),
      latitude      double precision CHECK (latitude BETWEEN -90 AND 90),
      longitude     double precision CHECK (longitude BETWEEN -180 AND 180),
      region        text,
      can_ship      boolean NOT NULL DEFAULT true,
      can_pickup    boolean NOT NULL DEFAULT false,
      -- Lower numbers are preferred when several locations could serve an order.
      priority      integer NOT NULL DEFAULT 100,
      active        boolean NOT NULL DEFAULT true,
      version       integer NOT NULL DEFAULT 1,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      CHECK ((latitude IS NULL) = (longitude IS NULL))
    );
  `.execute(db);
}
