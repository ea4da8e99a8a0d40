import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, money } from '../../api.js';
import { Field, Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import { useApi } from '../../use-api.js';

interface Step { weightGrams: number; priceMinor: number }
interface Zone {
  code: string; name?: string; routes: { from: string[]; to: string[] }[]; transitDaysMin?: number; transitDaysMax?: number;
  first?: Step; additional?: Step; bands?: { minGrams: number; maxGrams: number; priceMinor: number }[];
}
interface RateTable { carrier: string; service: string; currency: string; pricing: 'first_additional' | 'weight_bands'; maxWeightGrams: number | null; zones: Zone[]; version: number; updatedAt: string }

/** A first table to start from: one zone, first weight and additional weight (docs/carriers.md). */
const template = {
  currency: 'CNY', pricing: 'first_additional', maxWeightGrams: 30000,
  zones: [{ code: 'national', routes: [{ from: ['CN'], to: ['CN'] }], transitDaysMin: 2, transitDaysMax: 4, first: { weightGrams: 1000, priceMinor: 1200 }, additional: { weightGrams: 1000, priceMinor: 200 } }],
};

/** What the PUT takes: the table without what the server adds. */
const editable = (table: RateTable) => ({ currency: table.currency, pricing: table.pricing, maxWeightGrams: table.maxWeightGrams, zones: table.zones });

function ZonePrice({ zone, currency }: { zone: Zone; currency: string }) {
  const lang = useLanguage();
  const m = (minor: number) => money(minor, currency, lang);
  if (zone.first && zone.additional) {
    return <>{t('settings.rates.firstAdditional', { first: zone.first.weightGrams, firstPrice: m(zone.first.priceMinor), step: zone.additional.weightGrams, stepPrice: m(zone.additional.priceMinor) })}</>;
  }
  return <>{(zone.bands ?? []).map((b) => t('settings.rates.band', { min: b.minGrams, max: b.maxGrams, price: m(b.priceMinor) })).join('; ')}</>;
}

function ZoneTable({ table }: { table: RateTable }) {
  return (
    <table data-testid="rate-zones">
      <thead><tr><th>{t('settings.rates.zone')}</th><th>{t('settings.rates.routes')}</th><th class="num">{t('settings.carrier.transitDays')}</th><th>{t('settings.rates.price')}</th></tr></thead>
      <tbody>
        {table.zones.map((z) => (
          <tr key={z.code}>
            <td>{z.code}{z.name ? ` · ${z.name}` : ''}</td>
            <td>{z.routes.map((r) => `${r.from.join(', ')} → ${r.to.join(', ')}`).join('; ')}</td>
            <td class="num">{z.transitDaysMin === undefined && z.transitDaysMax === undefined ? '—' : `${z.transitDaysMin ?? z.transitDaysMax}–${z.transitDaysMax ?? z.transitDaysMin}`}</td>
            <td><ZonePrice zone={z} currency={table.currency} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One service's rate table: its zones in words, and for a role that may write it the table as JSON to edit, or a file
 * to load into the editor, then saved whole (PUT). A refused table lists every field at fault.
 */
export function RateTableEditor({ carrier, service, exists, mayWrite, onSaved }: { carrier: string; service: string; exists: boolean; mayWrite: boolean; onSaved: () => void }) {
  const path = `/carriers/${encodeURIComponent(carrier)}/services/${encodeURIComponent(service)}/rate-table`;
  // A service without a table (the carrier list says so) is not asked for one; once saved, it is read.
  const [stored, setStored] = useState(exists);
  const table = useApi<RateTable>(stored ? path : null);
  const none = !stored || (table.error instanceof ApiError && table.error.status === 404);
  const [text, setText] = useState<string | null>(null);
  const [problems, setProblems] = useState<{ message: string; errors: { path: string; message: string }[] } | null>(null);
  const [saved, setSaved] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const shown = text ?? (table.data ? JSON.stringify(editable(table.data), null, 2) : none ? JSON.stringify(template, null, 2) : '');

  const loadFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setProblems(null);
    setSaved(false);
    let body: unknown;
    try {
      body = JSON.parse(shown);
    } catch (err) {
      setProblems({ message: t('settings.connector.badJson', { message: (err as Error).message }), errors: [] });
      return;
    }
    try {
      await api('PUT', path, body);
      setSaved(true);
      setText(null);
      if (stored) table.reload();
      else setStored(true);
      onSaved();
    } catch (err) {
      setProblems({ message: (err as Error).message, errors: err instanceof ApiError ? err.errors : [] });
    }
  };
  const titleId = 'rate-table-title';
  return (
    <section aria-labelledby={titleId} class="panel">
      <h2 id={titleId} ref={heading} tabIndex={-1}>{t('settings.rates.title', { service: `${carrier}/${service}` })}</h2>
      {none ? <p class="muted">{t('settings.rates.none')}</p> : (
        <Load state={table}>
          {(r) => (
            <>
              <p>{t('settings.rates.summary', { currency: r.currency, pricing: t(r.pricing === 'first_additional' ? 'settings.rates.pricing.first_additional' : 'settings.rates.pricing.weight_bands'), version: r.version })}
                {r.maxWeightGrams !== null && ` ${t('settings.rates.maxWeight', { grams: r.maxWeightGrams })}`}</p>
              <ZoneTable table={r} />
            </>
          )}
        </Load>
      )}
      {mayWrite && (table.data || none) && (
        <form class="stack" onSubmit={(e) => void save(e)}>
          <Field label={t('settings.rates.json')}>
            <textarea name="table" rows={14} spellcheck={false} class="code" value={shown} onInput={(e) => setText(e.currentTarget.value)} />
          </Field>
          <div class="inline">
            <Field label={t('settings.rates.file')}><input type="file" accept="application/json,.json" onChange={(e) => void loadFile(e)} /></Field>
            <div class="buttons"><button type="submit">{t('settings.rates.save')}</button></div>
          </div>
          {saved && <p class="ok" role="status">{t('settings.saved')}</p>}
          {problems && (
            <div class="error" role="alert">
              <p>{problems.message}</p>
              {problems.errors.length > 0 && <ul>{problems.errors.map((p) => <li key={p.path + p.message}><code>{p.path}</code>: {p.message}</li>)}</ul>}
            </div>
          )}
        </form>
      )}
    </section>
  );
}
