import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Saved views (issue #23): a person's named filters of a list (the orders list today), shown only to them. The
    -- owner is a user of the admin UI or, for scripts, an API key: exactly one of the two.
    CREATE TABLE saved_views (
      id          uuid PRIMARY KEY,
      user_id     uuid REFERENCES users(id),
      api_key_id  uuid REFERENCES api_keys(id),
      owner_id    uuid GENERATED ALWAYS AS (coalesce(user_id, api_key_id)) STORED,
      list        text NOT NULL CHECK (list IN ('orders')),
      name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      -- The list's query filters as its API takes them (GET /v1/orders), checked by the route's schema.
      filters     jsonb NOT NULL CHECK (jsonb_typeof(filters) = 'object'),
      version     integer NOT NULL DEFAULT 1,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      CHECK (num_nonnulls(user_id, api_key_id) = 1)
    );
    -- One name per owner and list; also the index of "my views of this list, by name".
    CREATE UNIQUE INDEX saved_views_owner_name ON saved_views (owner_id, list, name);
  `.execute(db);
}
