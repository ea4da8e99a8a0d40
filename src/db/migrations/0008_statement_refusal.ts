import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Lets one statement be all or nothing on its own (no BEGIN/COMMIT around it): when a multi-row stock change
    -- refuses some rows, the statement calls this and fails, which undoes every row it did change.
    CREATE FUNCTION ordo_refuse_if(refused bigint) RETURNS boolean LANGUAGE plpgsql AS $fn$
    BEGIN
      IF refused > 0 THEN
        RAISE EXCEPTION 'ordo: % stock row(s) refused the change', refused USING ERRCODE = 'OR409';
      END IF;
      RETURN true;
    END $fn$;
  `.execute(db);
}
