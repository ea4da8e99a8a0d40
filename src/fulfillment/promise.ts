/**
 * The delivery date promised at capture, purely, from data capture already holds (its facts statement and the
 * cached rate book): each location's parcel leaves after the channel's handling days (counted from when its goods
 * are there: now, or the presale date) and arrives after the most transit days of the cheapest service that covers
 * the way (priced in the channel's currency when one is; else in any); with no rate table covering it, after the
 * channel's default transit days, or no promise when the channel has none. The order's date is its latest parcel's.
 * A backordered line has no date to promise: the order gets none. Calendar days, in UTC.
 */
import { addDays, cheapest, type Parcel, type RateBook } from './rate.js';

export interface DeliveryPromise {
  date: string | null;
  /** How the date was found, per parcel, in words. */
  basis: string[];
}

export interface PromiseInput {
  placedOn: string;
  handlingDays: number;
  defaultTransitDays: number | null;
  currency: string;
  destinationRegion: string | null;
  /** One per location the order ships from. */
  shipments: { origin: string; originRegion: string | null; readyOn: string; parcel: Parcel }[];
  /** Some line waits for stock with no date (backordered). */
  waiting: boolean;
}

/** With `explain`, `basis` says how each parcel's date was found (capture leaves it out: it prices every order). */
export function promiseDelivery(book: Pick<RateBook, 'services'> | null, p: PromiseInput, opts: { explain?: boolean } = {}): DeliveryPromise {
  if (p.waiting) return { date: null, basis: ['a backordered line has no date to promise'] };
  if (p.shipments.length === 0) return { date: null, basis: ['nothing ships'] };
  const basis: string[] = [];
  let latest: string | null = null;
  for (const s of p.shipments) {
    const shipOn = addDays(s.readyOn > p.placedOn ? s.readyOn : p.placedOn, p.handlingDays);
    const services = book?.services ?? [];
    const way = { origin: s.originRegion, destination: p.destinationRegion, parcel: s.parcel };
    const chosen = cheapest(services, { ...way, currency: p.currency }) ?? cheapest(services, { ...way, currency: null });
    let date: string | null;
    if (chosen) {
      date = addDays(shipOn, chosen.transitDaysMax);
      if (opts.explain) {
        basis.push(`${s.origin}: ships ${shipOn} (${p.handlingDays} handling day(s)), ${chosen.carrier}/${chosen.service} ` +
          `zone ${chosen.zone} up to ${chosen.transitDaysMax} day(s) → ${date}`);
      }
    } else if (p.defaultTransitDays !== null) {
      date = addDays(shipOn, p.defaultTransitDays);
      if (opts.explain) basis.push(`${s.origin}: ships ${shipOn}, no rate table covers ${s.originRegion ?? '?'} → ${p.destinationRegion ?? '?'}; the channel's ${p.defaultTransitDays} default transit day(s) → ${date}`);
    } else {
      return { date: null, basis: [...basis, `${s.origin}: no rate table covers ${s.originRegion ?? '?'} → ${p.destinationRegion ?? '?'} and the channel has no default transit days`] };
    }
    if (!latest || date > latest) latest = date;
  }
  return { date: latest, basis };
}

