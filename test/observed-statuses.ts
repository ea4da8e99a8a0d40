/**
 * Every status the suite sees a route answer must be declared for that operation in /openapi.json, or generated
 * clients treat a documented behaviour as an unknown error.
 *
 * Each test file's app counts its answers by (method, route pattern, status) in its Prometheus histogram (the
 * route's `routeOptions.url`, so `/v1/orders/:id`, not the URL). When the file ends, the harness writes those
 * counts as JSON lines into a folder of the run, one file per test file (files run in parallel workers), together
 * with the OpenAPI document. When the run ends, the global setup's teardown reads them all and fails listing every
 * (operation, status) observed but not declared. Any subset of the suite can be checked this way: a status observed
 * in one file is as undeclared as in the whole run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../src/app.js';

export interface Observation {
  method: string;
  /** The OpenAPI path, e.g. /v1/orders/{id}. */
  path: string;
  status: number;
  count: number;
  file: string;
}

const SAMPLE = /^ordo_http_request_duration_seconds_count\{method="([A-Z]+)",route="([^"]*)",status="(\d{3})"\} (\d+)/;
const DOCUMENT = 'openapi.json';

/** `/v1/orders/:id/lines/:lineId` → `/v1/orders/{id}/lines/{lineId}`, as @fastify/swagger writes it. */
export const openApiPath = (route: string): string => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Writes what this file's app answered, and the document it declares, into the run's folder. */
export async function recordObservedStatuses(app: App, dir: string, file: string): Promise<void> {
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  const lines: string[] = [];
  for (const line of metrics.body.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, method, route, status, count] = m as unknown as [string, string, string, string, string];
    if (route === 'unmatched' || route === '/metrics') continue;
    const observation: Observation = { method, path: openApiPath(route), status: Number(status), count: Number(count), file };
    lines.push(JSON.stringify(observation));
  }
  const name = `${path.basename(file).replace(/[^A-Za-z0-9.-]/g, '_')}-${randomBytes(4).toString('hex')}`;
  writeFileSync(path.join(dir, `${name}.jsonl`), lines.join('\n'));
  // Every file's app serves the same document; write it atomically so that a reader never sees half of it.
  const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
  const tmp = path.join(dir, `${name}.openapi.tmp`);
  writeFileSync(tmp, doc.body);
  renameSync(tmp, path.join(dir, DOCUMENT));
}

/** Every (operation, status) in the folder's observations that the document does not declare, one line each. */
export function undeclaredStatuses(dir: string): string[] {
  if (!existsSync(path.join(dir, DOCUMENT))) return [];
  const doc = JSON.parse(readFileSync(path.join(dir, DOCUMENT), 'utf8')) as {
    paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  };
  const found = new Map<string, { files: Set<string>; count: number }>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      if (!line) continue;
      const o = JSON.parse(line) as Observation;
      // HEAD answers come from the GET route Fastify exposes for it.
      const method = o.method === 'HEAD' ? 'get' : o.method.toLowerCase();
      const operation = doc.paths[o.path]?.[method];
      // Routes left out of the document on purpose (/openapi.json, /docs) have nothing to compare with.
      if (!operation) continue;
      if (operation.responses?.[String(o.status)]) continue;
      const key = `${o.method} ${o.path} → ${o.status}`;
      const entry = found.get(key) ?? { files: new Set(), count: 0 };
      entry.files.add(path.basename(o.file));
      entry.count += o.count;
      found.set(key, entry);
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, { files, count }]) => `${key} (${count}× in ${[...files].sort().join(', ')})`);
}
