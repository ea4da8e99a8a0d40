import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The outbox relay (issue #21). One published_at cannot serve several sinks: the relay's dispatcher marks a row
    -- relayed once it has fanned it out to a delivery row per sink that wants it, and each sink's delivery state lives
    -- in event_deliveries. relayed_at IS NULL is the dispatcher's queue, never "id > the last id seen": identity values
    -- commit out of order, so a reader keeping the last id would skip a row that commits late.
    DROP INDEX outbox_events_unpublished;
    ALTER TABLE outbox_events RENAME COLUMN published_at TO relayed_at;
    CREATE INDEX outbox_events_unrelayed ON outbox_events (id) WHERE relayed_at IS NULL;
    -- The order the dispatcher relayed events in. It dispatches one batch at a time across all servers (an advisory
    -- lock), so positions commit in order: a reader may resume after the last position it saw (the live stream does).
    ALTER TABLE outbox_events ADD COLUMN position bigint;
    CREATE UNIQUE INDEX outbox_events_position ON outbox_events (position) WHERE position IS NOT NULL;
    CREATE TABLE relay_state (
      id       boolean PRIMARY KEY DEFAULT true CHECK (id),
      position bigint NOT NULL DEFAULT 0
    );
    INSERT INTO relay_state DEFAULT VALUES;

    CREATE TABLE webhook_subscriptions (
      id              uuid PRIMARY KEY,
      url             text NOT NULL CHECK (url ~ '^https?://'),
      event_types     text[] NOT NULL CHECK (cardinality(event_types) > 0),
      description     text,
      secret          text NOT NULL,
      -- While rotating, deliveries are signed with both secrets (Standard Webhooks allows several signatures), so a
      -- receiver can switch at its own pace until the previous one expires.
      previous_secret text,
      previous_secret_expires_at timestamptz,
      status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      disabled_reason text,
      disabled_at     timestamptz,
      version         integer NOT NULL DEFAULT 1,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL))
    );

    -- Who receives events: a webhook subscription, or NATS (registered by a server started with NATS_URL).
    CREATE TABLE event_sinks (
      sink            text PRIMARY KEY,
      kind            text NOT NULL CHECK (kind IN ('webhook', 'nats')),
      subscription_id uuid UNIQUE REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
      event_types     text[] NOT NULL,
      active          boolean NOT NULL DEFAULT true,
      CHECK ((kind = 'webhook') = (subscription_id IS NOT NULL))
    );

    -- One row per (sink, event) to deliver; availability events are coalesced to one pending row per (sink, channel
    -- and SKU), which a newer number replaces (never an older one). Delivered rows stay for the delivery log until
    -- the cleanup job removes them.
    CREATE TABLE event_deliveries (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sink              text NOT NULL REFERENCES event_sinks(sink) ON DELETE CASCADE,
      outbox_id         bigint NOT NULL,
      event_id          uuid NOT NULL,
      type              text NOT NULL,
      aggregate_type    text NOT NULL,
      aggregate_id      text NOT NULL,
      aggregate_version bigint NOT NULL,
      coalesced         boolean NOT NULL DEFAULT false,
      status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts          integer NOT NULL DEFAULT 0,
      next_attempt_at   timestamptz NOT NULL DEFAULT now(),
      leased_until      timestamptz,
      last_error        text,
      created_at        timestamptz NOT NULL DEFAULT now(),
      delivered_at      timestamptz
    );
    CREATE INDEX event_deliveries_due ON event_deliveries (next_attempt_at, outbox_id) WHERE status = 'pending';
    -- Per aggregate in order: a delivery waits while an earlier one of its aggregate to the same sink is pending.
    CREATE INDEX event_deliveries_aggregate ON event_deliveries (sink, aggregate_type, aggregate_id, outbox_id) WHERE status = 'pending';
    CREATE UNIQUE INDEX event_deliveries_coalesced ON event_deliveries (sink, aggregate_type, aggregate_id) WHERE status = 'pending' AND coalesced;
    CREATE INDEX event_deliveries_outbox ON event_deliveries (outbox_id);
    CREATE INDEX event_deliveries_sink ON event_deliveries (sink, id);

    -- The delivery log: every attempt, with its answer.
    CREATE TABLE delivery_attempts (
      id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      delivery_id      bigint NOT NULL REFERENCES event_deliveries(id) ON DELETE CASCADE,
      attempted_at     timestamptz NOT NULL DEFAULT now(),
      outcome          text NOT NULL CHECK (outcome IN ('delivered', 'failed')),
      status_code      integer,
      latency_ms       integer NOT NULL,
      error            text,
      response_excerpt text
    );
    CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
  `.execute(db);
}
