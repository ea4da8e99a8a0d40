import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A built-in test provider (issue 20): kind 'test' answers as its settings say — approve, decline (with a
    -- reason), time out, or answer late (after test_delay_ms). Only a provider created explicitly with kind 'test'
    -- behaves so; 'offline' and 'http' have no test settings.
    ALTER TABLE payment_providers DROP CONSTRAINT payment_providers_kind_check;
    ALTER TABLE payment_providers
      ADD CONSTRAINT payment_providers_kind_check CHECK (kind IN ('offline', 'http', 'test')),
      ADD COLUMN test_outcome  text CHECK (test_outcome IN ('approve', 'decline', 'timeout', 'late')),
      ADD COLUMN test_reason   text CHECK (length(test_reason) BETWEEN 1 AND 500),
      ADD COLUMN test_delay_ms integer CHECK (test_delay_ms BETWEEN 0 AND 600000),
      ADD CONSTRAINT payment_providers_test_settings CHECK ((kind = 'test') = (test_outcome IS NOT NULL));

    -- What the test provider did with each idempotency key: its side of the conversation (a real provider keeps
    -- this at its end), so recovery's look-up works after a restart and from any server.
    CREATE TABLE payment_test_operations (
      provider_key text PRIMARY KEY,
      provider     text NOT NULL,
      operation    text NOT NULL CHECK (operation IN ('capture', 'void', 'refund')),
      amount_minor bigint NOT NULL,
      status       text NOT NULL CHECK (status IN ('succeeded', 'failed')),
      reference    text,
      reason       text,
      answer_at    timestamptz NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      CHECK ((status = 'failed') = (reason IS NOT NULL))
    );

    -- A capture may tell the test provider how to answer this one movement (overriding its settings); kept on the
    -- row, so a repeated request or recovery sends the same instruction. Only rows of a test provider carry one.
    ALTER TABLE payments ADD COLUMN test_instruction jsonb CHECK (test_instruction IS NULL OR kind IN ('capture', 'void', 'refund'));

    -- Offline money recorded from a bank file: the row of the file it came from (a hash of its fields and its
    -- occurrence in the file), so importing the same file again records nothing twice.
    ALTER TABLE payments
      ADD COLUMN bank_row_key text,
      ADD CONSTRAINT payments_bank_row_capture CHECK (bank_row_key IS NULL OR kind = 'capture');
    CREATE UNIQUE INDEX payments_bank_row ON payments (bank_row_key) WHERE bank_row_key IS NOT NULL;
  `.execute(db);
}
