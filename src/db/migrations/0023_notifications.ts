import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Notifications (issue #21 part 7): e-mails to customers and teams, sent by a sink of the outbox relay.
    -- The language a customer is written to in; null = the channel's default language.
    ALTER TABLE customers ADD COLUMN language text CHECK (language IN ('en', 'zh-CN'));
    ALTER TABLE channels ADD COLUMN default_language text NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'zh-CN'));

    -- The notifications sink is registered by a server at start (like NATS), so the relay keeps events for it.
    ALTER TABLE event_sinks DROP CONSTRAINT event_sinks_kind_check;
    ALTER TABLE event_sinks ADD CONSTRAINT event_sinks_kind_check CHECK (kind IN ('webhook', 'nats', 'notifications'));

    -- The notification log: one row per (event, template), written before the mail is sent and settled after, so a
    -- redelivered event finds its row and never sends twice. Every notification is logged, sent or not (with why).
    CREATE TABLE notifications (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id    uuid NOT NULL,
      event_type  text NOT NULL,
      template    text NOT NULL,
      audience    text NOT NULL CHECK (audience IN ('customer', 'team')),
      order_id    uuid,
      recipient   text,
      language    text NOT NULL CHECK (language IN ('en', 'zh-CN')),
      subject     text NOT NULL,
      body        text NOT NULL,
      status      text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'not_sent', 'failed')),
      reason      text,
      attempts    integer NOT NULL DEFAULT 0,
      message_id  text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      sent_at     timestamptz,
      UNIQUE (event_id, template),
      CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
      CHECK (status NOT IN ('not_sent', 'failed') OR reason IS NOT NULL)
    );
    CREATE INDEX notifications_order ON notifications (order_id, id) WHERE order_id IS NOT NULL;
    CREATE INDEX notifications_created ON notifications (created_at, id);
  `.execute(db);
}
