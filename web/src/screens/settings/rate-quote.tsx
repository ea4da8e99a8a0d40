import { useState } from 'preact/hooks';
import { api, money } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { yes } from './section-actions.js';

interface ServiceQuote {
  carrier: string; carrierName: string; service: string; serviceName: string; qualifies: boolean; reasons: string[];
  price: { amountMinor: number; currency: string } | null; zone: { code: string; from: string; to: string } | null;
  transitDays: { min: number; max: number } | null; delivery: { earliest: string; latest: string } | null;
}
interface Quote {
  origin: { region: string | null }; destination: { region: string | null }; shipOn: string; quotes: ServiceQuote[];
  chosen: { carrier: string; service: string; price: { amountMinor: number; currency: string }; delivery: { earliest: string; latest: string }; why: string } | null;
}

const mm = (form: FormData, name: string) => {
  const v = formText(form, name);
  return v === '' ? {} : { [name]: Number(v) };
};

/** Tries `POST /v1/rates/quote` for one parcel: every service's price, zone and delivery, and the one chosen. */
export function RateQuote({ canReadLocations }: { canReadLocations: boolean }) {
  const lang = useLanguage();
  const locations = useApi<Page<{ code: string; name: string }>>(canReadLocations ? '/locations?limit=200' : null);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const location = formText(form, 'originLocation');
    const region = formText(form, 'originRegion').toUpperCase();
    const deliverBy = formText(form, 'deliverBy');
    if (!location && !region) {
      setError(t('settings.quote.needOrigin'));
      return;
    }
    const body = {
      origin: location ? { location } : { region },
      destination: { region: formText(form, 'destination').toUpperCase() },
      parcels: [{ weightGrams: Number(formText(form, 'weightGrams')), ...mm(form, 'lengthMm'), ...mm(form, 'widthMm'), ...mm(form, 'heightMm') }],
      prefer: formText(form, 'prefer'),
      ...(deliverBy && { deliverBy }),
    };
    setError('');
    setBusy(true);
    api<Quote>('POST', '/rates/quote', body).then(setQuote, (err: Error) => { setQuote(null); setError(err.message); }).finally(() => setBusy(false));
  };
  const price = (p: { amountMinor: number; currency: string } | null) => (p ? money(p.amountMinor, p.currency, lang) : '—');
  return (
    <section aria-labelledby="rate-quote-title">
      <h2 id="rate-quote-title">{t('settings.quote.title')}</h2>
      <p class="muted">{t('settings.quote.help')}</p>
      <form class="filters" onSubmit={submit}>
        {canReadLocations && (
          <Field label={t('settings.quote.originLocation')}>
            <select name="originLocation">
              <option value="">{t('settings.quote.byRegion')}</option>
              {(locations.data?.data ?? []).map((l) => <option key={l.code} value={l.code}>{l.code} · {l.name}</option>)}
            </select>
          </Field>
        )}
        <Field label={t('settings.quote.originRegion')}><input name="originRegion" size={8} pattern="[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?" placeholder="CN-GD" /></Field>
        <Field label={t('settings.quote.destination')}><input name="destination" size={8} required pattern="[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?" placeholder="CN-SH" /></Field>
        <Field label={t('settings.quote.weight')}><input name="weightGrams" type="number" min={1} required size={7} /></Field>
        <Field label={t('settings.quote.length')}><input name="lengthMm" type="number" min={1} size={5} /></Field>
        <Field label={t('settings.quote.width')}><input name="widthMm" type="number" min={1} size={5} /></Field>
        <Field label={t('settings.quote.height')}><input name="heightMm" type="number" min={1} size={5} /></Field>
        <Field label={t('settings.quote.deliverBy')}><input name="deliverBy" type="date" /></Field>
        <Field label={t('settings.quote.prefer')}>
          <select name="prefer"><option value="cheapest">{t('settings.quote.cheapest')}</option><option value="fastest">{t('settings.quote.fastest')}</option></select>
        </Field>
        <div class="buttons"><button type="submit" disabled={busy}>{t('settings.quote.run')}</button></div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {quote && (
        <div data-testid="rate-quote">
          <p class="quote" role="status">
            {quote.chosen
              ? t('settings.quote.chosen', { service: `${quote.chosen.carrier}/${quote.chosen.service}`, price: price(quote.chosen.price), latest: quote.chosen.delivery.latest })
              : t('settings.quote.noneQualifies')}
            {' '}{t('settings.quote.route', { from: quote.origin.region ?? '—', to: quote.destination.region ?? '—', shipOn: quote.shipOn })}
          </p>
          <table>
            <thead><tr><th>{t('settings.quote.service')}</th><th>{t('settings.quote.qualifies')}</th><th class="num">{t('settings.rates.price')}</th><th>{t('settings.rates.zone')}</th><th class="num">{t('settings.carrier.transitDays')}</th><th>{t('settings.quote.delivery')}</th><th>{t('settings.quote.reasons')}</th></tr></thead>
            <tbody>
              {quote.quotes.map((q) => (
                <tr key={`${q.carrier}/${q.service}`}>
                  <td>{q.carrier}/{q.service} · {q.serviceName}</td><td>{yes(q.qualifies)}</td><td class="num">{price(q.price)}</td>
                  <td>{q.zone ? `${q.zone.code} (${q.zone.from} → ${q.zone.to})` : '—'}</td>
                  <td class="num">{q.transitDays ? `${q.transitDays.min}–${q.transitDays.max}` : '—'}</td>
                  <td>{q.delivery ? `${q.delivery.earliest} – ${q.delivery.latest}` : '—'}</td>
                  <td>{q.reasons.join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
