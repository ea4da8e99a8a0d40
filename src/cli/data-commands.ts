/**
 * `ordo import`, `ordo export`, `ordo backup` and `ordo restore` (docs/data.md). Reports go to standard output,
 * progress bars to standard error when it is a terminal.
 */
import { SingleBar, Presets } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { PassThrough, Transform } from 'node:stream';
import { once } from 'node:events';
import { allChecks, runChecks } from '../check.js';
import type { Config } from '../config.js';
import { locateDatabase } from '../db/connect.js';
import { createDatabase } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import {
  backupDatabase, BackupError, entityNames, exportTable, importTable, restoreDatabase, tableFormats, tables,
  type EntityName, type ImportReport, type TableFormat,
} from '../transfer/index.js';
import { withDatabase } from './database.js';

const entityArg = (v: string): EntityName => {
  if (!(entityNames as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${entityNames.join(', ')}`);
  return v as EntityName;
};

const rowNumber = (v: string): number => {
  if (!/^[1-9]\d{0,9}$/.test(v) || Number(v) < 2) throw new InvalidArgumentError('a row number from 2 (the header is row 1)');
  return Number(v);
};

function bar(total: number, unit: string): SingleBar | null {
  if (!process.stderr.isTTY) return null;
  const b = new SingleBar({ stream: process.stderr, format: `{bar} {percentage}% | {value}/{total} ${unit} | {rows} rows | {eta_formatted} left`, hideCursor: true }, Presets.shades_classic);
  b.start(total, 0, { rows: 0 });
  return b;
}

function printReport(report: ImportReport): void {
  const what = report.written ? `imported ${report.entity}` : `nothing imported (${report.entity})`;
  console.log(`${what}: ${report.rows} rows read (${report.format}, ${report.encoding}); created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, bad ${report.rejected}`);
  for (const p of report.problems) console.log(`row ${p.row}, ${p.column}: ${p.message}`);
  if (report.rejected > report.problems.length) console.log(`… and more: ${report.rejected} bad rows in all`);
  for (const n of report.notes) console.log(`note: row ${n.row}, ${n.column}: ${n.message}`);
  if (report.rejected > 0 && !report.written) console.log('fix the rows above and import the file again, or add --keep-good to import the good rows');
}

export function registerDataCommands(program: Command, config: () => Config): void {
  program
    .command('import')
    .description('import a CSV or XLSX file: skus, locations, stock, customers or orders (historical, closed); see docs/data.md')
    .argument('<entity>', entityNames.join(' | '), entityArg)
    .argument('<file>', 'the .csv or .xlsx file')
    .option('--keep-good', 'import the good rows and report the bad ones (default: one bad row, nothing imported)')
    .option('--from-row <n>', 'start at this row of the file (the header is row 1): resumes an interrupted import', rowNumber)
    .option('--encoding <name>', 'the CSV\'s encoding, e.g. gb18030 or windows-1252 (default: detected)')
    .option('--source <name>', 'stock: the source its numbers are recorded under', 'import')
    .action(async (entity: EntityName, file: string, opts: { keepGood?: boolean; fromRow?: number; encoding?: string; source: string }) => {
      const size = statSync(file).size;
      let read = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          read += chunk.length;
          done(null, chunk);
        },
      });
      const progress = bar(size, 'bytes');
      let lastRow = 0;
      let rows = 0;
      const tick = setInterval(() => progress?.update(read, { rows }), 200);
      // An interrupted --keep-good import keeps the chunks it committed: say where to go on.
      const onSignal = () => {
        progress?.stop();
        console.error(opts.keepGood && lastRow > 0
          ? `interrupted: rows up to ${lastRow} are imported; go on with: ordo import ${entity} ${file} --keep-good --from-row ${lastRow + 1}`
          : 'interrupted: nothing was imported');
        process.exit(130);
      };
      process.once('SIGINT', onSignal);
      try {
        const report = await withDatabase(config(), (db) => importTable(db, tables[entity], createReadStream(file).pipe(counter), {
          keepGood: opts.keepGood, fromRow: opts.fromRow, encoding: opts.encoding, source: opts.source, actorName: 'cli',
          onProgress: (n, committed) => {
            rows = n;
            lastRow = committed;
          },
        }));
        progress?.update(size, { rows: report.rows });
        progress?.stop();
        printReport(report);
        if (report.rejected > 0) process.exitCode = 1;
      } catch (e) {
        progress?.stop();
        if (e instanceof AppError) {
          console.error(e.detail);
          process.exitCode = 1;
          return;
        }
        throw e;
      } finally {
        clearInterval(tick);
        process.off('SIGINT', onSignal);
      }
    });

  program
    .command('export')
    .description('export skus, locations, stock, customers or orders as CSV or XLSX (to standard output unless --output)')
    .argument('<entity>', entityNames.join(' | '), entityArg)
    .addOption(new Option('--format <format>', 'file format').choices(tableFormats).default('csv'))
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (entity: EntityName, opts: { format: TableFormat; output?: string }) => {
      if (opts.format === 'xlsx' && !opts.output && process.stdout.isTTY) program.error('an .xlsx file is binary: give --output FILE or redirect standard output');
      // Standard output is never ended by a stream piped into it: the table goes through a stream that is.
      const toStdout = new PassThrough();
      if (!opts.output) toStdout.pipe(process.stdout, { end: false });
      const out = opts.output ? createWriteStream(opts.output) : toStdout;
      const progress = process.stderr.isTTY && opts.output ? bar(0, 'rows') : null;
      const rows = await withDatabase(config(), (db) => exportTable(db, tables[entity], opts.format, out, (n) => {
        progress?.setTotal(n);
        progress?.update(n, { rows: n });
      }));
      progress?.stop();
      if (!opts.output && !toStdout.readableEnded) await once(toStdout, 'end');
      if (opts.output) {
        if (!out.writableFinished) await once(out, 'finish');
        console.error(`${entity}: ${rows} rows written to ${opts.output}`);
      }
    });

  program
    .command('backup')
    .description('write a consistent backup of the database (with its schema version) to FILE; see docs/operations.md')
    .argument('<file>', 'the backup file to write')
    .action(async (file: string) => {
      const location = await locateDatabase(config(), { log: () => undefined, notice: (line) => console.error(line), shareWithRunningServer: true });
      try {
        const summary = await backupDatabase(location.url, file, (line) => console.error(line));
        console.log(`backup written to ${file}: schema ${summary.schemaVersion}, ${summary.tables} tables, ${summary.rows.toLocaleString('en-US')} rows, ${summary.bytes.toLocaleString('en-US')} bytes`);
      } catch (e) {
        if (!(e instanceof BackupError)) throw e;
        console.error(e.message);
        process.exitCode = 1;
      } finally {
        await location.stop();
      }
    });

  program
    .command('restore')
    .description('restore a backup into an EMPTY database (DATABASE_URL, or a new ORDO_DATA_DIR), then run ordo check')
    .argument('<file>', 'a file written by ordo backup')
    .action(async (file: string) => {
      const location = await locateDatabase(config(), { log: () => undefined, notice: (line) => console.error(line), shareWithRunningServer: false });
      try {
        const summary = await restoreDatabase(location.url, file, (line) => console.error(line));
        console.log(`restored ${file}: schema ${summary.schemaVersion}, ${summary.tables} tables, ${summary.rows.toLocaleString('en-US')} rows`
          + (summary.migratedAfter.length > 0 ? `; then migrated: ${summary.migratedAfter.join(', ')}` : ''));
        const database = createDatabase(location.url, { poolMax: 2, applicationName: 'ordo-cli' });
        try {
          const report = await runChecks(database.db, allChecks);
          for (const line of report.lines) console.log(line);
          if (!report.ok) process.exitCode = 1;
        } finally {
          await database.close();
        }
      } catch (e) {
        if (!(e instanceof BackupError)) throw e;
        console.error(e.message);
        process.exitCode = 1;
      } finally {
        await location.stop();
      }
    });
}
