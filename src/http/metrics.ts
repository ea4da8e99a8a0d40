import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Registry, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics: request latency by route and status, the database pool, the relay's wait for writers, and Node's own. */
export function registerMetrics(app: FastifyInstance, pools: { requests: pg.Pool; batch: pg.Pool }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: 'ordo_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'ordo_db_pool_connections',
    help: 'Database pool connections by state: requests (DB_POOL_MAX) and batch (batched writes)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      for (const [name, pool] of Object.entries(pools)) {
        this.set({ pool: name, state: 'total' }, pool.totalCount);
        this.set({ pool: name, state: 'idle' }, pool.idleCount);
        this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
      }
    },
  });
  new Gauge({
    name: 'ordo_relay_held_back_seconds',
    help: 'How long the oldest running transaction that writes has been open: the relay reads no event written after it began (ADR 0010) until it ends',
    registers: [registry],
    async collect() {
      const r = await pools.requests.query<{ s: number }>(
        'SELECT coalesce(extract(epoch FROM now() - min(xact_start)), 0)::float8 AS s FROM pg_stat_activity WHERE backend_xid IS NOT NULL');
      this.set(r.rows[0]?.s ?? 0);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, so ids do not explode the label set; unknown routes share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    latency.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  return registry;
}
