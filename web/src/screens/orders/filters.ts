/** The orders list's filters: as the form holds them, and as the API (and a saved view) takes them. */
export const filterNames = ['q', 'externalRef', 'status', 'channel', 'location', 'sku', 'holdReason', 'placedFrom', 'placedTo'] as const;
export type Filters = Partial<Record<(typeof filterNames)[number], string>>;

/** A date input's value (YYYY-MM-DD) as the API's date-time, at the start of that day in the browser's zone. */
const dayStart = (day: string | undefined) => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);
/** The API's date-time as a date input's value, in the browser's zone. */
const dayOf = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** The form's filters as the API takes them (what a saved view keeps): status a list, days as instants. */
export function toApiFilters(f: Filters): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(f)) if (v) out[k] = v;
  if (f.status) out.status = [f.status];
  if (f.placedFrom) out.placedFrom = dayStart(f.placedFrom)!;
  if (f.placedTo) out.placedTo = dayStart(f.placedTo)!;
  return out;
}

/** A saved view's filters back in the form's terms. */
export function fromApiFilters(api: Record<string, unknown>): Filters {
  const f: Filters = {};
  for (const name of filterNames) {
    const v = api[name];
    if (typeof v === 'string' && v) f[name] = name === 'placedFrom' || name === 'placedTo' ? dayOf(v) : v;
    else if (Array.isArray(v) && typeof v[0] === 'string') f[name] = v[0];
  }
  return f;
}
