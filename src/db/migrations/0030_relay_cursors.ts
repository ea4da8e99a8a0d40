import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The relay reads each sink's events through a cursor (ADR 0008, superseding the fan-out of 0020): a sink has
    -- handled every event up to its position (the dispatcher's commit-ordered numbering), so a delivery that succeeds
    -- writes nothing per event. One relay at a time moves a sink's cursor: it leases the sink (lease_token says whose
    -- lease it is, so a relay whose lease ran out cannot move the cursor another has moved since).
    -- event_deliveries keeps only what could not go through the cursor: an attempt that failed, the later events of
    -- its aggregate that wait behind it, and replays. Existing sinks start at the relay's position: every event
    -- dispatched so far has its delivery row already.
    ALTER TABLE event_sinks ADD COLUMN position bigint NOT NULL DEFAULT 0;
    ALTER TABLE event_sinks ADD COLUMN leased_until timestamptz;
    ALTER TABLE event_sinks ADD COLUMN lease_token uuid;
    UPDATE event_sinks SET position = (SELECT position FROM relay_state);
    -- Leases and cursors change on every round: leave room for HOT updates.
    ALTER TABLE event_sinks SET (fillfactor = 50);

    -- The delivery log of what went through the cursor, one row per round and webhook endpoint rather than per
    -- event: the events in delivery order, with each answer's status code and latency. Its entries share one id
    -- space with event_deliveries, newest highest: a delivery row's id is a multiple of 1024, a round's entries are
    -- its id times 1024 plus their index (a round sends at most 1024 events).
    CREATE SEQUENCE delivery_log_ids;
    SELECT setval('delivery_log_ids', coalesce((SELECT max(id) FROM event_deliveries), 0) / 1024 + 1, false);
    ALTER TABLE event_deliveries ALTER COLUMN id DROP IDENTITY;
    ALTER TABLE event_deliveries ALTER COLUMN id SET DEFAULT nextval('delivery_log_ids') * 1024;
    CREATE TABLE delivery_rounds (
      id           bigint PRIMARY KEY DEFAULT nextval('delivery_log_ids'),
      sink         text NOT NULL REFERENCES event_sinks(sink) ON DELETE CASCADE,
      delivered_at timestamptz NOT NULL DEFAULT now(),
      outbox_ids   bigint[] NOT NULL,
      status_codes integer[] NOT NULL,
      latencies_ms integer[] NOT NULL,
      CHECK (cardinality(outbox_ids) BETWEEN 1 AND 1024 AND cardinality(status_codes) = cardinality(outbox_ids)
             AND cardinality(latencies_ms) = cardinality(outbox_ids))
    );
    CREATE INDEX delivery_rounds_sink ON delivery_rounds (sink, id);
  `.execute(db);
}
