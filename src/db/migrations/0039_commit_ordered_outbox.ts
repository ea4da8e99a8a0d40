import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Commit-ordered reading without numbering (issue #21, ADR 0010, superseding the dispatcher of 0020/0038). Every
    -- outbox row records the transaction that wrote it (tx, a column default: capture's statement and the stock
    -- triggers pay no round trip). A reader consumes the rows with tx below its snapshot's xmin, in (tx, id) order:
    -- every transaction below xmin has ended, so no row can later appear before that point (identity values commit
    -- out of order; transaction ids do too, but the xmin horizon only ever passes ended ones). Nothing is written per
    -- event to relay it: the dispatcher's update of every row (relayed_at, position) and its two partial indexes go.
    --
    -- Rows written before this migration get tx 0, below every transaction id: they keep their place ahead of every
    -- new row, among themselves in id order. The table is locked by the ALTER, so no transaction writing events is in
    -- flight; one that writes after it gets its own transaction id (above 0), whenever it started.
    ALTER TABLE outbox_events ADD COLUMN tx xid8 NOT NULL DEFAULT '0';
    ALTER TABLE outbox_events ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
    CREATE INDEX outbox_events_relay_order ON outbox_events (tx, id);
    -- Per aggregate, events are in id order (its writers hold its row lock), but a transaction may have taken its id
    -- before an earlier writer of the aggregate did: a reader holds an event back while an earlier one of its
    -- aggregate is still ahead of it in (tx, id) order, and finds those here.
    CREATE INDEX outbox_events_aggregate_tx ON outbox_events (aggregate_type, aggregate_id, tx);

    -- Each sink's cursor becomes a (tx, id) pair: it has handled every event up to it in that order. A sink at
    -- position p had passed the rows numbered up to p; in id order that is every row before the first one it had not
    -- passed (numbered after p, or not numbered yet). A row numbered up to p with a higher id than that one is sent
    -- again (same event id, at least once): only rows that committed out of id order around p.
    ALTER TABLE event_sinks ADD COLUMN after_tx xid8 NOT NULL DEFAULT '0';
    ALTER TABLE event_sinks ADD COLUMN after_id bigint NOT NULL DEFAULT 0;
    UPDATE event_sinks s SET after_id = coalesce(
      (SELECT min(o.id) - 1 FROM outbox_events o WHERE o.position IS NULL OR o.position > s.position),
      (SELECT max(o.id) FROM outbox_events o),
      0);
    ALTER TABLE event_sinks DROP COLUMN position;

    DROP FUNCTION ordo_dispatch_events(integer);
    DROP TABLE relay_state;
    DROP INDEX outbox_events_unrelayed;
    DROP INDEX outbox_events_position;
    ALTER TABLE outbox_events DROP COLUMN position;
    ALTER TABLE outbox_events DROP COLUMN relayed_at;
  `.execute(db);
}
