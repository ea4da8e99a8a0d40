/**
 * Generated bad input for every operation in /openapi.json: whatever a client sends, Ordo answers a 4xx (or does
 * the work), never a 5xx, and the data stays consistent (`ordo check` finds no drift afterwards).
 *
 * For each operation a base request is built from its schema (required fields, values that fit the small world the
 * test seeds: SKU ORD-A, location OWH1, channel WEB…), and then one input at a time is spoiled, per class:
 * forged cursors, lone UTF-16 surrogates, numbers past 2^31 and 2^53 (fields and If-Match), huge strings, unknown
 * enum values, NUL characters, wrong content types and bodies that are not objects, and bad path parameters.
 * Everything is derived from the document and a seeded generator, so a run sends the same requests in the same order
 * and each case has a stable name (`METHOD /path where class`).
 */
import { describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { useTestApp } from './harness.js';
import { anOrder, seedOrderWorld } from './order-fixtures.js';

/**
 * Cases known to answer 5xx on main while other changes that fix their class are under way (see the report of the
 * branch that added this test). They are still sent and their answers printed; only they may fail without failing
 * the test. Empty this list once those fixes are merged.
 */
const KNOWN_BEING_FIXED: readonly string[] = [];

/**
 * `ordo check` findings known to follow from a class being fixed elsewhere: after the largest allowed quantities are
 * received again and again (the 32-bit overflow cases above), ORD-A's on hand nears 2^31 and the published ATP of
 * other channels ends up 2 units off the current one (first seen after POST /v1/orders/{id}/cancel). Without the
 * `max` cases the check is clean. Printed, not failing; empty it with KNOWN_BEING_FIXED.
 */
const KNOWN_DRIFT_BEING_FIXED: readonly string[] = [];

const t = useTestApp();

type Schema = Record<string, any>;
type Path = (string | number)[];

interface Operation {
  method: string;
  path: string;
  query: { name: string; schema: Schema; required: boolean }[];
  pathParams: string[];
  ifMatch: boolean;
  body: Schema | null;
}

interface Case {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** mulberry32: a small seeded generator, so sampling is the same on every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seeded(17);
/** At most `n` of `items`, picked by the seeded generator, in their original order. */
function sample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const picked = new Set<number>();
  while (picked.size < n) picked.add(Math.floor(random() * items.length));
  return [...picked].sort((a, b) => a - b).map((i) => items[i] as T);
}

// ---- values that satisfy a schema -------------------------------------------------------------------------------

/** Values the seeded world knows, by field name: a valid base request reaches the use case, not only validation. */
const known: Record<string, unknown> = {
  sku: 'ORD-A', skus: ['ORD-A'], location: 'OWH1', from: 'OWH1', to: 'OWH2', channel: 'WEB', currency: 'EUR',
  country: 'DE', email: 'fuzz@example.com', quantity: 1, limit: 5,
};

const stringCandidates = ['FZ-1', 'EUR', 'DE', 'abc', 'a', '1', 'fuzz@example.com', '+49301234567', '2026-06-01', '12:00', 'https://example.com/x'];

function variants(schema: Schema): Schema[] {
  return (schema.anyOf ?? schema.oneOf ?? []) as Schema[];
}

function nonNull(schema: Schema): Schema {
  const options = variants(schema).filter((s) => s.type !== 'null');
  if (options.length > 0) return nonNull(options[0] as Schema);
  if (Array.isArray(schema.type)) return { ...schema, type: schema.type.find((x: string) => x !== 'null') };
  return schema;
}

function enumValues(schema: Schema): unknown[] | null {
  const s = nonNull(schema);
  if (Array.isArray(s.enum)) return s.enum;
  if (s.const !== undefined) return [s.const];
  const options = variants(schema).filter((o) => o.type !== 'null');
  if (options.length > 0 && options.every((o) => o.const !== undefined || Array.isArray(o.enum))) {
    return options.flatMap((o) => (o.const !== undefined ? [o.const] : o.enum));
  }
  return null;
}

function validString(s: Schema, name: string): string {
  const knownValue = known[name];
  if (typeof knownValue === 'string') return knownValue;
  switch (s.format) {
    case 'uuid': return ANY_ID;
    case 'date-time': return '2026-06-01T12:00:00Z';
    case 'date': return '2026-06-01';
    case 'email': return 'fuzz@example.com';
    case 'uri': return 'https://example.com/x';
  }
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? Infinity;
  const pattern = s.pattern ? new RegExp(s.pattern as string, 'u') : null;
  const fits = (v: string) => v.length >= min && v.length <= max && (!pattern || pattern.test(v));
  return stringCandidates.find(fits) ?? 'x'.repeat(Math.max(min, 1));
}

function valid(schema: Schema, name = ''): unknown {
  const values = enumValues(schema);
  if (values) return values[0];
  const s = nonNull(schema);
  if (s.default !== undefined && s.type !== 'object') return s.default;
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) out[key] = valid(properties[key] ?? {}, key);
      // A patch (nothing required) changes its first plain field, so that it gets past "nothing to change".
      const first = Object.entries(properties).find(([, p]) => ['string', 'integer'].includes(nonNull(p).type as string) && !enumValues(p));
      if (Object.keys(out).length === 0 && first) out[first[0]] = valid(first[1], first[0]);
      return out;
    }
    case 'array': {
      if (Array.isArray(known[name])) return known[name];
      const n = Math.max((s.minItems as number | undefined) ?? 1, 1);
      return Array.from({ length: n }, () => valid((s.items ?? {}) as Schema, name));
    }
    case 'integer':
    case 'number': {
      if (typeof known[name] === 'number') return known[name];
      const min = (s.minimum as number | undefined) ?? (s.exclusiveMinimum !== undefined ? (s.exclusiveMinimum as number) + 1 : 1);
      return Math.min(Math.max(min, 1), (s.maximum as number | undefined) ?? Infinity);
    }
    case 'boolean': return false;
    case 'string': return validString(s, name);
    default: return {};
  }
}

/** Every scalar in a schema (object properties, first array items), with the schemas on the way to it. */
function leaves(schema: Schema, path: Path = [], chain: Schema[] = [schema]): { path: Path; schema: Schema; chain: Schema[] }[] {
  if (enumValues(schema)) return [{ path, schema, chain }];
  const s = nonNull(schema);
  if (s.type === 'object' && s.properties) {
    return Object.entries(s.properties as Record<string, Schema>).flatMap(([key, child]) => leaves(child, [...path, key], [...chain, child]));
  }
  if (s.type === 'array' && s.items) return leaves(s.items as Schema, [...path, 0], [...chain, s.items as Schema]);
  return path.length > 0 ? [{ path, schema, chain }] : [];
}

/** The base value with the value at `path` replaced (missing parents made valid first). */
function withValue(base: unknown, path: Path, chain: Schema[], value: unknown): unknown {
  const root = structuredClone(base) as Record<string | number, unknown>;
  let at = root;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      at[key] = value;
      break;
    }
    if (at[key] === undefined || at[key] === null) at[key] = valid(chain[i + 1] as Schema, String(key));
    at = at[key] as Record<string | number, unknown>;
  }
  return root;
}

// ---- the bad values, per class ----------------------------------------------------------------------------------

const RAW = '__raw__:';
/** Numbers past int4 and past what a double holds exactly; raw text so that JSON keeps every digit. */
const bigNumbers: [string, string][] = [['2^31', '2147483648'], ['-2^31-1', '-2147483649'], ['2^53+1', '9007199254740993'], ['1e308', '1e308']];
const HUGE = 'x'.repeat(100_000);

const bodyStringValues: [string, unknown][] = [
  ['surrogate', 'a\ud800b'],
  ['low-surrogate', '\udc00'],
  ['nul', 'a\u0000b'],
  ['huge-string', HUGE],
];
const queryStringValues: [string, string][] = [
  ['surrogate', 'a%ED%A0%80b'],
  ['nul', 'a%00b'],
  ['huge-string', 'x'.repeat(8_000)],
  ['bad-percent', '%E0%A4%A'],
];

function cursorOf(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}
const forgedCursors: [string, string][] = [
  ['cursor:number', cursorOf(1)],
  ['cursor:string', cursorOf('"abc"')],
  ['cursor:object', cursorOf({ a: 1 })],
  ['cursor:nulls', cursorOf([null, null])],
  ['cursor:nested', cursorOf([[], {}])],
  ['cursor:numbers', cursorOf([1e308, -1])],
  ['cursor:strings', cursorOf(['x', 'y'])],
  ['cursor:bad-date', cursorOf(['not a date', '01900000-0000-7000-8000-000000000000'])],
  ['cursor:bad-uuid', cursorOf(['2026-01-01T00:00:00Z', 'not-a-uuid'])],
  ['cursor:big-int', cursorOf('[9007199254740993,2147483648]')],
  ['cursor:surrogate', cursorOf('["\\ud800","\\udc00"]')],
  ['cursor:nul', cursorOf(['a\u0000', 'b'])],
  ['cursor:long', cursorOf(Array.from({ length: 50 }, (_, i) => i))],
  ['cursor:not-json', 'bm90IGpzb24'],
];

const ifMatchValues: [string, string][] = [
  ['if-match:2^31', '"2147483648"'], ['if-match:2^32', '4294967296'], ['if-match:2^53+1', '"9007199254740993"'],
  ['if-match:1e25', '"10000000000000000000000000"'], ['if-match:empty', '""'],
];

const badPathValues: [string, string][] = [
  ['path:not-uuid', 'abc'], ['path:number', '9007199254740993'], ['path:surrogate', '%ED%A0%80'], ['path:nul', '%00'],
  ['path:uuid-v0', '00000000-0000-0000-0000-000000000000'],
];

const contentTypes: [string, string | null, (body: string) => string][] = [
  ['content-type:text', 'text/plain', (b) => b],
  ['content-type:xml', 'application/xml', () => '<a/>'],
  ['content-type:form', 'application/x-www-form-urlencoded', () => 'a=1&b=2'],
  ['content-type:multipart', 'multipart/form-data; boundary=x', () => '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'],
  ['content-type:utf16', 'application/json; charset=utf-16', (b) => b],
  ['content-type:garbage', ';;;', (b) => b],
  ['content-type:none', null, (b) => b],
  ['body:null', 'application/json', () => 'null'],
  ['body:array', 'application/json', () => '[]'],
  ['body:string', 'application/json', () => '"x"'],
  ['body:number', 'application/json', () => '2147483648'],
  ['body:truncated', 'application/json', (b) => b.slice(0, Math.max(1, b.length - 2))],
  ['body:proto', 'application/json', () => '{"__proto__":{"x":1}}'],
  ['body:deep', 'application/json', () => '['.repeat(5000) + ']'.repeat(5000)],
];

// ---- the seeded world and the operations -----------------------------------------------------------------------

const ANY_ID = '01900000-0000-7000-8000-000000000000';
const ids: Record<string, string> = {};

function operations(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries(byMethod)) {
      const params = (op.parameters ?? []) as { in: string; name: string; schema: Schema; required?: boolean }[];
      ops.push({
        method: method.toUpperCase(),
        path,
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: p.required === true })),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        ifMatch: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match'),
        body: (op.requestBody?.content?.['application/json']?.schema as Schema | undefined) ?? null,
      });
    }
  }
  return ops;
}

/** An id of the seeded world for a path parameter, by the collection it names; unknown ones get a well-formed id. */
function pathId(path: string, param: string): string {
  if (param === 'lineId') return ids.line ?? ANY_ID;
  const collection = /\/v1\/([a-z-]+(?:\/(?:transfers|counts|discrepancies))?)\/\{/.exec(path)?.[1] ?? '';
  return ids[collection] ?? ANY_ID;
}

function urlOf(op: Operation, pathValues: Record<string, string>, query: [string, string][]): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => pathValues[name] ?? pathId(op.path, name));
  const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
  return qs ? `${path}?${qs}` : path;
}

/** Query values as text, already percent-encoded (so that bad encodings can be sent as they are). */
function queryText(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(queryText);
  return [encodeURIComponent(String(value))];
}

function baseQuery(op: Operation): [string, string][] {
  return op.query.filter((q) => q.required).flatMap((q) => queryText(valid(q.schema, q.name)).map((v) => [q.name, v] as [string, string]));
}

function jsonText(value: unknown): string {
  // Raw numbers travel as marked strings and are unquoted here, so that 2^53+1 keeps its digits.
  return JSON.stringify(value).replace(new RegExp(`"${RAW}([^"]*)"`, 'g'), '$1');
}

const LEAVES_PER_CLASS = 12;

function casesOf(op: Operation): Case[] {
  const cases: Case[] = [];
  const name = (where: string, what: string) => `${op.method} ${op.path} ${where} ${what}`;
  const base = baseQuery(op);
  const baseBody = op.body ? valid(op.body) : undefined;
  const bodyText = baseBody === undefined ? undefined : jsonText(baseBody);
  const json = { 'content-type': 'application/json' };
  const add = (c: Omit<Case, 'headers' | 'payload'> & { headers?: Record<string, string>; payload?: string | undefined }) =>
    cases.push({
      name: c.name, method: c.method, url: c.url,
      headers: c.payload === undefined ? { ...c.headers } : { ...json, ...c.headers },
      ...(c.payload === undefined ? {} : { payload: c.payload }),
    });

  // The base request itself.
  add({ name: name('base', 'valid'), method: op.method, url: urlOf(op, {}, base), payload: bodyText });

  // Query parameters: each one spoiled alone.
  for (const q of op.query) {
    const rest = base.filter(([k]) => k !== q.name);
    const values: [string, string][] = [];
    const s = nonNull(q.schema.type === 'array' ? (q.schema.items as Schema) : q.schema);
    if (q.name === 'cursor') values.push(...forgedCursors);
    if (enumValues(s)) values.push(['unknown-enum', 'zz_unknown']);
    if (s.type === 'integer' || s.type === 'number') values.push(...bigNumbers);
    else if (s.type === 'boolean') values.push(['not-boolean', 'maybe']);
    else values.push(...queryStringValues);
    if (s.format === 'date' || s.format === 'date-time') values.push(['year-0', '0000-01-01'], ['year-99999', '99999-01-01']);
    for (const [what, v] of values) {
      add({ name: name(`query ${q.name}`, what), method: op.method, url: urlOf(op, {}, [...rest, [q.name, v]]), payload: bodyText });
    }
  }

  // Path parameters.
  for (const p of op.pathParams) {
    for (const [what, v] of badPathValues) {
      add({ name: name(`path ${p}`, what), method: op.method, url: urlOf(op, { [p]: v }, base), payload: bodyText });
    }
  }

  // If-Match.
  if (op.ifMatch) {
    for (const [what, v] of ifMatchValues) {
      add({ name: name('header', what), method: op.method, url: urlOf(op, {}, base), headers: { 'if-match': v }, payload: bodyText });
    }
  }

  if (!op.body || bodyText === undefined) return cases;
  const url = urlOf(op, {}, base);

  // Content types and bodies that are not the object asked for.
  for (const [what, type, payload] of contentTypes) {
    cases.push({ name: name('body', what), method: op.method, url, headers: type === null ? {} : { 'content-type': type }, payload: payload(bodyText) });
  }

  // Every scalar of the body, per class (a seeded sample of the fields when there are many).
  const all = leaves(op.body);
  const strings = all.filter((l) => !enumValues(l.schema) && nonNull(l.schema).type === 'string');
  const numbers = all.filter((l) => !enumValues(l.schema) && ['integer', 'number'].includes(nonNull(l.schema).type as string));
  const enums = all.filter((l) => enumValues(l.schema));
  const where = (path: Path) => `body /${path.join('/')}`;
  for (const [what, value] of bodyStringValues) {
    for (const l of sample(strings, LEAVES_PER_CLASS)) {
      add({ name: name(where(l.path), what), method: op.method, url, payload: jsonText(withValue(baseBody, l.path, l.chain, value)) });
    }
  }
  for (const l of sample(numbers, LEAVES_PER_CLASS)) {
    // The largest value the schema allows, twice in a row: counters that add it up must not overflow.
    const max = nonNull(l.schema).maximum as number | undefined;
    const values: [string, string][] = [...bigNumbers, ...(max === undefined ? [] : [['max', String(max)], ['max-again', String(max)]] as [string, string][])];
    for (const [what, raw] of values) {
      add({ name: name(where(l.path), what), method: op.method, url, payload: jsonText(withValue(baseBody, l.path, l.chain, `${RAW}${raw}`)) });
    }
  }
  for (const l of sample(enums, LEAVES_PER_CLASS)) {
    add({ name: name(where(l.path), 'unknown-enum'), method: op.method, url, payload: jsonText(withValue(baseBody, l.path, l.chain, 'zz_unknown')) });
  }
  return cases;
}

async function seedWorld(): Promise<void> {
  await seedOrderWorld(t);
  const id = async (res: Promise<{ status: number; body: any }>, what: string) => {
    const r = await res;
    expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  };
  const order = await id(t.http('POST', '/v1/orders', { body: anOrder() }), 'order');
  ids.orders = order.id;
  ids.line = order.lines[0].id;
  ids.customers = order.customer?.id ?? ANY_ID;
  ids.skus = (await id(t.http('GET', '/v1/skus?q=ORD-A'), 'sku')).data[0].id;
  ids.locations = (await id(t.http('GET', '/v1/locations?limit=1'), 'location')).data[0].id;
  ids.channels = (await id(t.http('GET', '/v1/channels?limit=1'), 'channel')).data[0].id;
  ids.reservations = (await id(t.http('POST', '/v1/reservations', {
    body: { reference: { type: 'cart', id: 'fuzz' }, ttlSeconds: 900, lines: [{ sku: 'ORD-A', location: 'OWH1', quantity: 1 }] },
  }), 'reservation')).reservations[0].id;
  ids.supply = (await id(t.http('POST', '/v1/supply', { body: valid((await supplySchema()) ?? {}) }), 'supply')).id;
  ids['stock/counts'] = (await id(t.http('POST', '/v1/stock/counts', { body: { location: 'OWH1', skus: ['ORD-A'] } }), 'count')).id;
}

async function supplySchema(): Promise<Schema | undefined> {
  const doc = (await t.http('GET', '/openapi.json', { key: null })).body;
  return doc.paths['/v1/supply'].post.requestBody.content['application/json'].schema;
}

describe('every operation in /openapi.json, sent generated bad input', () => {
  // ~2,800 requests one after another: about 30 s on an idle 2-core machine, several times that when it is shared.
  it('answers 4xx (or does the work), never 5xx, and leaves no drift for ordo check', { timeout: 300_000 }, async () => {
    await seedWorld();
    const doc = (await t.http('GET', '/openapi.json', { key: null })).body;
    const cases = operations(doc).flatMap(casesOf);
    const failures: string[] = [];
    const knownFailures: string[] = [];
    const statuses = new Map<number, number>();
    const byClass = new Map<string, Map<number, number>>();
    for (const c of cases) {
      const res = await t.app.inject({
        method: c.method as 'GET',
        url: c.url,
        headers: { ...c.headers, authorization: `Bearer ${t.keys.admin}` },
        ...(c.payload === undefined ? {} : { payload: c.payload }),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const what = c.name.slice(c.name.lastIndexOf(' ') + 1);
      const ofClass = byClass.get(what) ?? new Map<number, number>();
      ofClass.set(res.statusCode, (ofClass.get(res.statusCode) ?? 0) + 1);
      byClass.set(what, ofClass);
      if (res.statusCode < 500) continue;
      // The request id finds the server's stack in the log (ORDO_TEST_LOG=error).
      const line = `${c.name} → ${res.statusCode} (request id ${String(res.headers['x-request-id'])})`;
      (KNOWN_BEING_FIXED.includes(c.name) ? knownFailures : failures).push(line);
    }
    const summary = (counts: Map<number, number>) => [...counts.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(`openapi fuzz: ${cases.length} requests (${summary(statuses)})\n  ${[...byClass].map(([what, counts]) => `${what}: ${summary(counts)}`).join('\n  ')}`);
    if (knownFailures.length > 0) console.log(`known 5xx, being fixed elsewhere (KNOWN_BEING_FIXED):\n  ${knownFailures.join('\n  ')}`);
    const stale = KNOWN_BEING_FIXED.filter((k) => !knownFailures.some((line) => line.startsWith(`${k} →`)));
    if (stale.length > 0) console.log(`no longer 5xx, remove from KNOWN_BEING_FIXED:\n  ${stale.join('\n  ')}`);
    expect(failures, 'cases answered 5xx').toEqual([]);

    const check = await runChecks(t.db);
    // Each drift is a `DRIFT <check>` line followed by its indented findings.
    const drifts: string[][] = [];
    for (const line of check.lines) {
      if (line.startsWith('DRIFT ')) drifts.push([line.slice('DRIFT '.length)]);
      else if (!line.startsWith('ok')) drifts.at(-1)?.push(line.trim());
    }
    const knownDrift = drifts.filter(([name]) => KNOWN_DRIFT_BEING_FIXED.includes(name as string));
    if (knownDrift.length > 0) console.log(`known drift, being fixed elsewhere (KNOWN_DRIFT_BEING_FIXED):\n  ${knownDrift.flat().join('\n  ')}`);
    expect(drifts.filter((d) => !knownDrift.includes(d)), check.lines.join('\n')).toEqual([]);
  });
});
