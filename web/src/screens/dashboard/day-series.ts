/**
 * The dashboard's 30-day series (GET /v1/dashboard?days=30) turned into what a chart draws: one value per day for
 * each channel, of orders or of revenue in one currency (revenue is never added across currencies). Pure, so that
 * the chart and its table show the same numbers.
 */
export interface DaySeries {
  from: string;
  days: number;
  byDay: { day: string; channel: string; currency: string; orders: number; revenueMinor: number }[];
}

export type Measure = 'orders' | `revenue:${string}`;

export interface ChartData {
  /** The day each index stands for, as noon of that day (labels stay on the right date across a DST change). */
  days: Date[];
  lines: { channel: string; values: number[]; total: number }[];
}

const DAY_MS = 86_400_000;

export const currenciesOf = (s: DaySeries): string[] => [...new Set(s.byDay.map((r) => r.currency))].sort();

export function chartData(s: DaySeries, measure: Measure): ChartData {
  const from = Date.parse(s.from);
  const currency = measure.startsWith('revenue:') ? measure.slice('revenue:'.length) : null;
  const rows = currency ? s.byDay.filter((r) => r.currency === currency) : s.byDay;
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const lines = channels.map((channel) => ({ channel, values: new Array<number>(s.days).fill(0), total: 0 }));
  for (const r of rows) {
    const line = lines[channels.indexOf(r.channel)]!;
    const i = Math.round((Date.parse(r.day) - from) / DAY_MS);
    if (i < 0 || i >= s.days) continue;
    const v = currency ? r.revenueMinor : r.orders;
    line.values[i]! += v;
    line.total += v;
  }
  return { days: Array.from({ length: s.days }, (_, i) => new Date(from + i * DAY_MS + DAY_MS / 2)), lines };
}
