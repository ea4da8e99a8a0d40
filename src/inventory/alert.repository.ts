/** All SQL of low-stock alerts (raised and resolved by the stock statements; people list and acknowledge them). */
import type { DbOrTrx, Trx } from '../db/database.js';

const selectAlerts = (q: DbOrTrx) => q.selectFrom('stock_alerts as a')
  .innerJoin('skus as k', 'k.id', 'a.sku_id')
  .innerJoin('locations as l', 'l.id', 'a.location_id')
  .select(['a.id', 'a.type', 'k.code as sku', 'l.code as location', 'a.available', 'a.reorder_point as reorderPoint', 'a.status',
    'a.created_at as createdAt', 'a.acknowledged_at as acknowledgedAt', 'a.acknowledged_by as acknowledgedBy', 'a.resolved_at as resolvedAt']);
const toAlert = (r: Awaited<ReturnType<ReturnType<typeof selectAlerts>['executeTakeFirstOrThrow']>>) => ({
  ...r, type: 'low_stock' as const, status: r.status as 'open', createdAt: r.createdAt.toISOString(),
  acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null, resolvedAt: r.resolvedAt?.toISOString() ?? null,
});
/** An alert as answered: SKU and location by code, times as ISO strings. */
export type AlertView = ReturnType<typeof toAlert>;

/** Lists alerts newest first, of one status or else every not yet resolved one, after a (createdAt, id) cursor. */
export async function listAlerts(
  db: DbOrTrx,
  filter: { status?: 'open' | 'acknowledged' | 'resolved'; after?: readonly [string, string] | null; limit: number },
): Promise<AlertView[]> {
  const { status, after, limit } = filter;
  let q = selectAlerts(db).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(limit);
  q = status ? q.where('a.status', '=', status) : q.where('a.status', '<>', 'resolved');
  if (after) q = q.where((eb) => eb.or([eb('a.created_at', '<', new Date(after[0])), eb.and([eb('a.created_at', '=', new Date(after[0])), eb('a.id', '<', after[1])])]));
  return (await q.execute()).map(toAlert);
}

/** Reads one alert that must exist (e.g. just changed in the same transaction). */
export async function getAlert(q: DbOrTrx, id: string): Promise<AlertView> {
  return toAlert(await selectAlerts(q).where('a.id', '=', id).executeTakeFirstOrThrow());
}

/** Marks an open alert acknowledged by `actorName`; false when there is no open alert with this id. */
export async function markAlertAcknowledged(trx: Trx, id: string, actorName: string): Promise<boolean> {
  const updated = await trx.updateTable('stock_alerts').set({ status: 'acknowledged', acknowledged_at: new Date(), acknowledged_by: actorName })
    .where('id', '=', id).where('status', '=', 'open').returning('id').executeTakeFirst();
  return updated !== undefined;
}

/** The status of an alert, or undefined when there is none with this id. */
export async function findAlertStatus(q: DbOrTrx, id: string): Promise<string | undefined> {
  const current = await q.selectFrom('stock_alerts').select('status').where('id', '=', id).executeTakeFirst();
  return current?.status;
}

/** How many low-stock alerts are waiting (open) or seen but not resolved (acknowledged): the dashboard's count. */
export async function countUnresolvedAlerts(db: DbOrTrx): Promise<{ open: number; acknowledged: number }> {
  const rows = await db.selectFrom('stock_alerts').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['open', 'acknowledged']).groupBy('status').execute();
  const of = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { open: of('open'), acknowledged: of('acknowledged') };
}
