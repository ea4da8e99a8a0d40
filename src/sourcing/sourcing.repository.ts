/**
 * What sourcing reads and writes. The capture statements embed `siteJson` and `ruleSetsJson` in their facts
 * statement and `decisionCtes` in their write statement (ADR 0002: no round trip of its own); the other callers
 * (add a line, fill backorders, re-source, simulate) use the functions below.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Explanation, Site } from './engine.js';
import { locate, type Place } from './regions.js';
import { defaultRuleSet, type RuleName, type RuleSet } from './rules.js';
import { unpackExplanation, type StoredExplanation } from './stored-explanation.js';

/** A location as sourcing reads it (one JSON object per location). */
export interface SiteFact {
  id: string; country: string | null; state: string | null; city: string | null; region: string | null;
  lat: number | null; lon: number | null; serves: string[] | null; capacity: number | null; today: number;
  cutoff: string | null; tz: string | null; pastCutoff: boolean; day: string;
}

/** The JSON object of one location `l` (an alias of the locations table) for SiteFact; its local day and load. */
export const siteJson = (l: string): RawBuilder<unknown> => {
  const a = sql.raw(l);
  return sql`json_build_object('id', ${a}.id, 'country', ${a}.country, 'state', ${a}.state, 'city', ${a}.city, 'region', ${a}.region,
    'lat', ${a}.latitude, 'lon', ${a}.longitude, 'serves', ${a}.serves_regions, 'capacity', ${a}.daily_capacity,
    'cutoff', to_char(${a}.cutoff_time, 'HH24:MI'), 'tz', ${a}.time_zone,
    'pastCutoff', ${a}.cutoff_time IS NOT NULL AND (now() AT TIME ZONE coalesce(${a}.time_zone, 'UTC'))::time >= ${a}.cutoff_time,
    'day', (now() AT TIME ZONE coalesce(${a}.time_zone, 'UTC'))::date,
    'today', CASE WHEN ${a}.daily_capacity IS NULL THEN 0 ELSE coalesce((SELECT d.orders FROM location_daily_loads d
      WHERE d.location_id = ${a}.id AND d.day = (now() AT TIME ZONE coalesce(${a}.time_zone, 'UTC'))::date), 0) END)`;
};

export interface RuleSetFact { channelId: string; rules: RuleName[]; splitLines: boolean; version: number }

/** Rule sets of the channels a query names (a subquery returning channel ids). */
export const ruleSetsJson = (channelIds: RawBuilder<unknown>): RawBuilder<RuleSetFact[] | null> => sql`(SELECT json_agg(json_build_object(
  'channelId', r.channel_id, 'rules', r.rules, 'splitLines', r.split_lines, 'version', r.version))
  FROM sourcing_rule_sets r WHERE r.channel_id IN (${channelIds}))`;

const placeCache = new Map<string, Place | null>();
/** Where a location is (memoised: locations are few and change seldom; capture's promise reads its ship-from locations through it too). */
export function placeOf(f: Pick<SiteFact, 'country' | 'state' | 'city' | 'region' | 'lat' | 'lon'>): Place | null {
  const key = `${f.country}|${f.state}|${f.city}|${f.region}|${f.lat}|${f.lon}`;
  let place = placeCache.get(key);
  if (place === undefined) {
    if (placeCache.size > 10_000) placeCache.clear();
    place = locate({ country: f.country, state: f.state, city: f.city, region: f.region, coordinates: f.lat !== null && f.lon !== null ? { lat: f.lat, lon: f.lon } : null });
    placeCache.set(key, place);
  }
  return place;
}

/** Sites by location id (a capture batch counts the orders it gives them on its `StockIndex`). */
export function sitesFrom(facts: readonly SiteFact[]): Map<string, Site> {
  const sites = new Map<string, Site>();
  for (const f of facts) {
    sites.set(f.id, {
      place: placeOf(f), servesRegions: f.serves,
      capacityLeft: f.capacity === null ? null : f.capacity - f.today,
      pastCutoff: f.pastCutoff ? `${f.cutoff} ${f.tz ?? 'UTC'}` : null,
    });
  }
  return sites;
}

export function ruleSetOf(facts: readonly RuleSetFact[] | null | undefined, channelId: string): { ruleSet: RuleSet; source: 'channel' | 'default' } {
  const own = facts?.find((r) => r.channelId === channelId);
  return own ? { ruleSet: { rules: own.rules, splitLines: own.splitLines }, source: 'channel' } : { ruleSet: defaultRuleSet, source: 'default' };
}

/** Every active location's site facts (for the paths outside capture). */
export async function readSites(db: DbOrTrx): Promise<SiteFact[]> {
  const result = await sql<{ site: SiteFact }>`SELECT ${siteJson('l')} AS site FROM locations l WHERE l.active`.execute(db);
  return result.rows.map((r) => r.site);
}

export async function readRuleSet(db: DbOrTrx, channelId: string): Promise<{ ruleSet: RuleSet; source: 'channel' | 'default'; version: number }> {
  const row = await db.selectFrom('sourcing_rule_sets').select(['rules', 'split_lines', 'version']).where('channel_id', '=', channelId).executeTakeFirst();
  return row ? { ruleSet: { rules: row.rules as RuleName[], splitLines: row.split_lines }, source: 'channel', version: row.version }
    : { ruleSet: defaultRuleSet, source: 'default', version: 0 };
}

export async function writeRuleSet(db: DbOrTrx, channelId: string, ruleSet: RuleSet): Promise<number> {
  const row = await db.insertInto('sourcing_rule_sets')
    .values({ channel_id: channelId, rules: JSON.stringify(ruleSet.rules), split_lines: ruleSet.splitLines })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet({
      rules: JSON.stringify(ruleSet.rules), split_lines: ruleSet.splitLines, version: sql`sourcing_rule_sets.version + 1`, updated_at: sql`now()`,
    }))
    .returning('version').executeTakeFirstOrThrow();
  return row.version;
}

export type DecisionTrigger = 'capture' | 'line_added' | 'backorder' | 'resource';

/** A decision to store: its order, what set it off, why, the explanation; `loads`: locations given a parcel, on their day. */
export interface DecisionWrite {
  orderId: string;
  trigger: DecisionTrigger;
  reason: string | null;
  explanation: StoredExplanation | null;
  loads: { locationId: string; day: string }[];
}

/** A later decision of an order (the caller holds the order's lock): numbered after the order's last one. */
export async function writeDecision(db: DbOrTrx, d: DecisionWrite): Promise<void> {
  await sql`WITH ${decisionCtes([{ ...d, item: 0 }], sql`SELECT 0`, 'next')} SELECT 1`.execute(db);
}

/** CTE names `decisionCtes` defines: a statement embedding it must not reuse them. */
export const decisionCteNames = ['sourcing_written', 'sourcing_loads'] as const;

/**
 * The CTEs that store decisions (only those of `items`, a query returning item numbers) and count location loads.
 * `seq`: 'first' for a new order's decision at capture (number 1, no lookup), 'next' for a later one.
 */
export function decisionCtes(decisions: readonly (DecisionWrite & { item: number })[], items: RawBuilder<unknown>, seq: 'first' | 'next' = 'first'): RawBuilder<unknown> {
  const rows = decisions.map((d) => ({
    item: d.item, order_id: d.orderId, trigger: d.trigger, reason: d.reason, explanation: d.explanation ?? {},
  }));
  const loads = decisions.flatMap((d) => d.loads.map((l) => ({ item: d.item, location_id: l.locationId, day: l.day })));
  const number = seq === 'first' ? sql`1`
    : sql`COALESCE((SELECT max(d.seq) FROM sourcing_decisions d WHERE d.order_id = x.order_id), 0) + 1`;
  // json, not jsonb: the explanations are stored as sent, never parsed into jsonb (migration 0036).
  return sql`sourcing_written AS (
      INSERT INTO sourcing_decisions (order_id, seq, trigger, reason, explanation)
      SELECT x.order_id, ${number}, x.trigger, x.reason, x.explanation
      FROM json_to_recordset(${JSON.stringify(rows)}::json) AS x(item int, order_id uuid, trigger text, reason text, explanation json)
      WHERE x.item IN (${items})
    ),
    sourcing_loads AS (
      INSERT INTO location_daily_loads (location_id, day, orders)
      SELECT x.location_id, x.day, count(*) FROM json_to_recordset(${JSON.stringify(loads)}::json) AS x(item int, location_id uuid, day date)
      WHERE x.item IN (${items})
      GROUP BY x.location_id, x.day ORDER BY x.location_id, x.day
      ON CONFLICT (location_id, day) DO UPDATE SET orders = location_daily_loads.orders + excluded.orders
    )`;
}

/** A stored decision; `id` is its number within the order (1 = at capture). */
export interface StoredDecision { id: number; trigger: DecisionTrigger; reason: string | null; explanation: Explanation; decidedAt: string }

export async function listDecisions(db: DbOrTrx, orderId: string): Promise<StoredDecision[]> {
  const rows = await db.selectFrom('sourcing_decisions').select(['seq', 'trigger', 'reason', 'explanation', 'decided_at'])
    .where('order_id', '=', orderId).orderBy('seq').execute();
  return rows.map((r) => ({
    id: r.seq, trigger: r.trigger as DecisionTrigger, reason: r.reason, explanation: unpackExplanation(r.explanation), decidedAt: r.decided_at.toISOString(),
  }));
}
