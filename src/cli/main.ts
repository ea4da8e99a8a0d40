/** The `ordo` command. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeAudit } from '../access/index.js';
import { createApiKey } from '../access/index.js';
import { isRole, roles } from '../access/index.js';
import { createUser } from '../access/index.js';
import { allChecks, CheckInterrupted, DEFAULT_CHECK_STATEMENT_TIMEOUT_MS, runChecks } from '../check.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { AppError } from '../shared/errors.js';
import { createLogger } from '../logger.js';
import { jobHandlers, schedules, type JobName } from '../jobs/jobs.js';
import { relayOnly, serve } from '../server.js';
import { withDatabase } from './database.js';
import { seedDemo } from './seed.js';
import { seedOrders } from './seed-orders.js';
import { readPassword } from './read-password.js';
import { registerDataCommands } from './data-commands.js';

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}

const program = new Command('ordo').description('Ordo, the order management system').showHelpAfterError();

program.command('serve').description('run the HTTP API (embedded PostgreSQL unless DATABASE_URL is set)').action(async () => {
  const cfg = config();
  await serve(cfg, createLogger(cfg));
});

program.command('relay').description('run only the outbox relay (webhooks, NATS, notifications, connectors), for API servers run with RELAY=off').action(async () => {
  const cfg = config();
  await relayOnly(cfg, createLogger(cfg));
});

program.command('migrate').description('apply pending database migrations').action(async () => {
  const applied = await withDatabase(config(), (db) => migrateToLatest(db));
  console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
});

program
  .command('seed')
  .description('load data')
  .option('--demo', 'a believable demo business: locations in several cities, SKUs with stock')
  .option('--orders <n>', 'N generated orders for benchmarking search (a fixture: reserves NO stock, so `ordo check` flags its open orders; seeds --demo first if missing)', (v) => {
    if (!/^[1-9]\d{0,7}$/.test(v)) throw new InvalidArgumentError('a whole number from 1 to 99,999,999');
    return Number(v);
  })
  .action(async (opts: { demo?: boolean; orders?: number }) => {
    if (!opts.demo && opts.orders === undefined) program.error('say what to seed: --demo and/or --orders N');
    const summary = await withDatabase(config(), async (db) => [
      opts.demo ? await seedDemo(db) : '',
      opts.orders === undefined ? '' : await seedOrders(db, opts.orders, { log: (line) => console.error(line) }),
    ].filter(Boolean).join('\n'));
    console.log(summary);
  });

const apikey = program.command('apikey').description('manage API keys');
apikey
  .command('create')
  .description('create an API key and print it (shown only this once)')
  .addOption(new Option('--role <role>', 'the key\'s role').choices(roles).makeOptionMandatory())
  .requiredOption('--name <name>', 'who or what uses the key')
  .action(async (opts: { role: string; name: string }) => {
    if (!isRole(opts.role)) throw new InvalidArgumentError(`role must be one of ${roles.join(', ')}`);
    const role = opts.role;
    const created = await withDatabase(config(), (db) =>
      db.transaction().execute(async (trx) => {
        const key = await createApiKey(trx, { name: opts.name, role, createdBy: null });
        await writeAudit(trx, { actorId: null, actorName: 'cli', action: 'api_key.created', entityType: 'api_key', entityId: key.id, requestId: null, details: { role } });
        return key;
      }),
    );
    console.log(`${created.key}\n(role ${created.role}, id ${created.id}; this key is not shown again)`);
  });

const user = program.command('user').description('manage the users who sign in to the admin UI');
user
  .command('create')
  .description('create a user; the password is read from standard input (typed, hidden, at a terminal)')
  .addOption(new Option('--role <role>', 'the user\'s role').choices(roles).makeOptionMandatory())
  .requiredOption('--email <email>', 'the e-mail address the user signs in with')
  .requiredOption('--name <name>', 'the user\'s name, as the audit log shows it')
  .action(async (opts: { role: string; email: string; name: string }) => {
    if (!isRole(opts.role)) throw new InvalidArgumentError(`role must be one of ${roles.join(', ')}`);
    const role = opts.role;
    const password = await readPassword('Password: ');
    const created = await withDatabase(config(), (db) =>
      db.transaction().execute(async (trx) => {
        const row = await createUser(trx, { email: opts.email, name: opts.name, role, password });
        await writeAudit(trx, { actorId: null, actorName: 'cli', action: 'user.created', entityType: 'user', entityId: row.id, requestId: null, details: { role } });
        return row;
      }),
    ).catch((e: unknown) => {
      if (e instanceof AppError) program.error(e.detail);
      throw e;
    });
    console.log(`user ${created.email} created (role ${created.role}, id ${created.id}); sign in at /admin`);
  });

program
  .command('jobs')
  .description('background jobs (they run by themselves in every server; this runs one now)')
  .command('run')
  .argument('<job>', `one of ${Object.keys(schedules).join(', ')}`)
  .description('run a background job now, e.g. release expired reservations after downtime')
  .action(async (job: string) => {
    if (!(job in schedules)) program.error(`unknown job "${job}"; one of ${Object.keys(schedules).join(', ')}`);
    const cfg = config();
    const result = await withDatabase(cfg, (db) => jobHandlers({ db, idempotencyTtlHours: cfg.idempotencyTtlHours })[job as JobName]());
    console.log(`${job}: ${JSON.stringify(result)}`);
  });

program
  .command('check')
  .description('verify the data invariants; exits 1 and lists every drift found (and every check that could not finish)')
  .option('--statement-timeout <seconds>', 'the longest one statement of a check may run; a check that needs longer is reported as FAIL', (v) => {
    if (!/^[1-9]\d{0,5}$/.test(v)) throw new InvalidArgumentError('a whole number of seconds from 1 to 999,999');
    return Number(v);
  }, DEFAULT_CHECK_STATEMENT_TIMEOUT_MS / 1000)
  .action(async (opts: { statementTimeout: number }) => {
    // Interrupted, the check cancels its running statement on the server before it exits: a client killed
    // mid-query would otherwise leave the server running that query to its end. A second signal exits at once.
    const interrupt = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      const code = signal === 'SIGINT' ? 130 : 143;
      if (interrupt.signal.aborted) process.exit(code);
      process.exitCode = code;
      interrupt.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const report = await withDatabase(config(), (db) => runChecks(db, allChecks, { statementTimeoutMs: opts.statementTimeout * 1000, signal: interrupt.signal }));
      for (const line of report.lines) console.log(line);
      if (!report.ok) process.exitCode = 1;
    } catch (e) {
      if (!(e instanceof CheckInterrupted)) throw e;
      console.error(e.message);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });

registerDataCommands(program, config);

await program.parseAsync(process.argv);
