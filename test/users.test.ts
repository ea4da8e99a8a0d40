/**
 * Users and sessions: sign in with a password, the session cookie accepted by the /v1 API like a key (with its role's
 * permissions and personal-data level), CSRF on cookie writes, lockout, sign-out, the audit of every attempt, and
 * `ordo user create`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/access/create-user.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

const t = useTestApp();
const password = 'correct horse battery staple';

interface Browser { cookie: string; csrf: string }

async function signIn(email: string, pw = password): Promise<Browser> {
  const res = await t.http('POST', '/v1/session', { key: null, body: { email, password: pw } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const setCookie = String(res.headers['set-cookie']);
  expect(setCookie).toMatch(/^ordo_session=[A-Za-z0-9_-]{43};/);
  expect(setCookie).toContain('HttpOnly');
  expect(setCookie).toContain('SameSite=Strict');
  return { cookie: setCookie.split(';')[0]!, csrf: res.body.csrfToken };
}

const as = (b: Browser, csrf = true) => ({ key: null, headers: { cookie: b.cookie, ...(csrf ? { 'x-csrf-token': b.csrf } : {}) } });

beforeAll(async () => {
  await seedOrderWorld(t);
  await t.db.transaction().execute(async (trx) => {
    await createUser(trx, { email: 'Ops@Example.com', name: 'Olga Ops', role: 'operator', password });
    await createUser(trx, { email: 'view@example.com', name: 'Vic Viewer', role: 'viewer', password });
    await createUser(trx, { email: 'locked@example.com', name: 'Lou Locked', role: 'viewer', password });
  });
});

describe('signing in', () => {
  it('answers the user, the role\'s permissions and personal-data level, and the CSRF token; GET /v1/session answers the same', async () => {
    const res = await t.http('POST', '/v1/session', { key: null, body: { email: ' ops@example.COM ', password } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user: { email: 'ops@example.com', name: 'Olga Ops', role: 'operator' }, personalData: 'full' });
    expect(res.body.permissions).toContain('order:review');
    const b = await signIn('ops@example.com');
    const me = await t.http('GET', '/v1/session', as(b, false));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: 'ops@example.com' }, csrfToken: b.csrf });
    expect((await t.http('GET', '/v1/session', { key: null })).status).toBe(401);
  });

  it('refuses a wrong password and an unknown e-mail alike, and audits both', async () => {
    const wrong = await t.http('POST', '/v1/session', { key: null, body: { email: 'ops@example.com', password: 'nope' } });
    const unknown = await t.http('POST', '/v1/session', { key: null, body: { email: 'nobody@example.com', password: 'nope' } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const audit = await t.http('GET', '/v1/audit-log?entityType=user&action=user.sign_in_failed');
    expect(audit.body.data.map((e: any) => e.details.reason)).toEqual(expect.arrayContaining(['wrong_password', 'unknown_email']));
  });

  it('locks an account after five failures in a row, even against the right password', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await t.http('POST', '/v1/session', { key: null, body: { email: 'locked@example.com', password: `wrong ${i}` } })).status).toBe(401);
    }
    const right = await t.http('POST', '/v1/session', { key: null, body: { email: 'locked@example.com', password } });
    expect(right.status).toBe(401);
    expect(right.body.detail).toContain('locked until');
    expect(right.body.lockedUntil).toEqual(expect.any(String));
  });
});

describe('the session cookie on the /v1 API', () => {
  it('reads and writes with the role\'s permissions; a write without the CSRF token is refused', async () => {
    const b = await signIn('ops@example.com');
    expect((await t.http('GET', '/v1/orders', as(b, false))).status).toBe(200);
    const noCsrf = await t.http('POST', '/v1/orders', { ...as(b, false), body: anOrder() });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.reason).toBe('csrf');
    const badCsrf = await t.http('POST', '/v1/orders', { key: null, headers: { cookie: b.cookie, 'x-csrf-token': 'x'.repeat(43) }, body: anOrder() });
    expect(badCsrf.status).toBe(403);
    const placed = await t.http('POST', '/v1/orders', { ...as(b), body: anOrder() });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    // The audit log names the user.
    const audit = await t.http('GET', `/v1/audit-log?entityId=${placed.body.id}`);
    expect(audit.body.data[0]).toMatchObject({ actorName: 'Olga Ops <ops@example.com>' });
    // The role's limits hold: an operator may not manage access.
    expect((await t.http('GET', '/v1/api-keys', as(b))).status).toBe(403);
  });

  it('masks personal data for a role without it, as for its API key', async () => {
    const customer = { name: '张三', email: 'zhang.san@example.com', phone: '13812345678' };
    const placed = await t.http('POST', '/v1/orders', { body: anOrder({ customer }) });
    expect(placed.status).toBe(201);
    const viewer = await signIn('view@example.com');
    const seen = await t.http('GET', `/v1/orders/${placed.body.id}`, as(viewer));
    const byKey = await t.http('GET', `/v1/orders/${placed.body.id}`, { key: 'viewer' });
    expect(seen.status).toBe(200);
    expect(seen.body.customer).toMatchObject({ name: '张*', email: 'z***@example.com' });
    expect(seen.body.customer).toEqual(byKey.body.customer);
    expect(JSON.stringify(seen.body)).not.toContain('zhang.san');
  });

  it('lets an admin create API keys and users; the key names the user who made it', async () => {
    await t.db.transaction().execute((trx) => createUser(trx, { email: 'admin@example.com', name: 'Ada Admin', role: 'admin', password }));
    const admin = await signIn('admin@example.com');
    const key = await t.http('POST', '/v1/api-keys', { ...as(admin), body: { name: 'made in the UI', role: 'viewer' } });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const row = await t.db.selectFrom('api_keys').select(['created_by', 'created_by_user']).where('id', '=', key.body.id).executeTakeFirstOrThrow();
    const adminId = (await t.http('GET', '/v1/session', as(admin))).body.user.id;
    expect(row).toEqual({ created_by: null, created_by_user: adminId });
    const user = await t.http('POST', '/v1/users', { ...as(admin), body: { email: 'new@example.com', name: 'New Person', role: 'warehouse', password } });
    expect(user.status).toBe(201);
    expect((await t.http('POST', '/v1/users', { ...as(admin), body: { email: 'NEW@example.com', name: 'Again', role: 'viewer', password } })).status).toBe(409);
    expect((await t.http('POST', '/v1/users', { ...as(admin), body: { email: 'short@example.com', name: 'S', role: 'viewer', password: 'short' } })).status).toBe(400);
    const list = await t.http('GET', '/v1/users', as(admin));
    expect(list.body.data.map((u: any) => u.email)).toContain('new@example.com');
    expect(JSON.stringify(list.body)).not.toContain('argon2');
  });

  it('signing out ends the session at once and is audited', async () => {
    const b = await signIn('ops@example.com');
    expect((await t.http('DELETE', '/v1/session', as(b, false))).status).toBe(403);
    const out = await t.http('DELETE', '/v1/session', as(b));
    expect(out.status).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/ordo_session=;/);
    expect((await t.http('GET', '/v1/orders', as(b))).status).toBe(401);
    expect((await t.http('GET', '/v1/session', as(b))).status).toBe(401);
    const audit = await t.http('GET', '/v1/audit-log?action=user.signed_out');
    expect(audit.body.data[0]).toMatchObject({ actorName: 'Olga Ops <ops@example.com>', entityType: 'user' });
    const signedIn = await t.http('GET', '/v1/audit-log?action=user.signed_in');
    expect(signedIn.body.data.length).toBeGreaterThan(0);
  });

  it('disabling a user ends their sessions at once and refuses their sign-in', async () => {
    await t.db.transaction().execute((trx) => createUser(trx, { email: 'leaver@example.com', name: 'Lee Leaver', role: 'operator', password }));
    const b = await signIn('leaver@example.com');
    const id = (await t.http('GET', '/v1/session', as(b))).body.user.id;
    expect((await t.http('POST', `/v1/users/${id}/disable`, { key: 'operator' })).status).toBe(403);
    const disabled = await t.http('POST', `/v1/users/${id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabledAt).toEqual(expect.any(String));
    expect((await t.http('GET', '/v1/orders', as(b))).status).toBe(401);
    expect((await t.http('POST', '/v1/session', { key: null, body: { email: 'leaver@example.com', password } })).status).toBe(401);
    expect((await t.http('POST', `/v1/users/${id}/disable`)).status).toBe(404);
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    const res = await t.http('POST', '/v1/session', { key: null, headers: { 'x-forwarded-proto': 'https' }, body: { email: 'ops@example.com', password } });
    expect(String(res.headers['set-cookie'])).toContain('Secure');
  });
});

describe('ordo user create', () => {
  it('creates a user with the password from standard input, who can then sign in; refuses a short password', async () => {
    const run = (input: string, ...args: string[]) => {
      const r = spawnSync(process.execPath, [path.resolve('bin/ordo.js'), 'user', 'create', ...args], {
        env: { ...process.env, DATABASE_URL: t.database.url, LOG_LEVEL: 'silent' }, input, encoding: 'utf8', timeout: 60_000,
      });
      return { code: r.status, out: r.stdout + r.stderr };
    };
    const made = run(`${password}\n`, '--email', 'first@example.com', '--name', 'First Admin', '--role', 'admin');
    expect(made.code, made.out).toBe(0);
    expect(made.out).toContain('user first@example.com created (role admin');
    await signIn('first@example.com');
    const short = run('short\n', '--email', 'second@example.com', '--name', 'Second', '--role', 'admin');
    expect(short.code).not.toBe(0);
    expect(short.out).toContain('at least 12 characters');
    expect(run(`${password}\n`, '--email', 'x@example.com', '--name', 'X', '--role', 'king').code).not.toBe(0);
  });
});
