import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- People who sign in to the admin UI. A user has one role from the same table as API keys (src/access/permissions.ts).
    CREATE TABLE users (
      id              uuid PRIMARY KEY,
      -- Stored lower-cased, so that sign-in does not depend on how the address was typed.
      email           text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
      name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      role            text NOT NULL CHECK (role IN ('admin','operator','warehouse','finance','viewer','integration')),
      -- argon2id, in its PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash); the password is never stored.
      password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
      -- Failed sign-ins in a row; at the limit the account is locked until locked_until, and a success resets it.
      failed_sign_ins int NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
      locked_until    timestamptz,
      created_at      timestamptz NOT NULL DEFAULT now(),
      disabled_at     timestamptz
    );

    -- One row per signed-in browser. The cookie holds 256 random bits; only their SHA-256 is stored. The CSRF token is
    -- sent back by the UI in a header on every write, which a page of another site cannot read nor forge.
    CREATE TABLE user_sessions (
      id          uuid PRIMARY KEY,
      user_id     uuid NOT NULL REFERENCES users(id),
      token_hash  bytea NOT NULL UNIQUE,
      csrf_token  text NOT NULL CHECK (length(csrf_token) >= 32),
      created_at  timestamptz NOT NULL DEFAULT now(),
      expires_at  timestamptz NOT NULL,
      revoked_at  timestamptz,
      CHECK (expires_at > created_at)
    );
    CREATE INDEX user_sessions_user ON user_sessions (user_id) WHERE revoked_at IS NULL;

    -- A key made by a signed-in user names that user (created_by names a key that made it, as before).
    ALTER TABLE api_keys ADD COLUMN created_by_user uuid REFERENCES users(id);
    ALTER TABLE api_keys ADD CONSTRAINT api_keys_one_creator CHECK (created_by IS NULL OR created_by_user IS NULL);
  `.execute(db);
}
