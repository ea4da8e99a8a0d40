import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { RateQuote } from './rate-quote.js';
import { RateTableEditor } from './rate-table.js';
import { onSubmit, usePatch, yes } from './section-actions.js';

interface Service { code: string; name: string; transitDaysMin: number; transitDaysMax: number; dimFactor: number | null; active: boolean; hasRateTable: boolean }
interface Carrier { id: string; code: string; name: string; services: Service[]; trackingUrlTemplate: string | null; active: boolean; adapter: 'manual' | 'rate-table'; version: number }

const adapters = ['rate-table', 'manual'] as const;
const whole = (form: FormData, name: string): number | undefined => {
  const v = formText(form, name);
  return v === '' ? undefined : Number(v);
};

/** A service's fields from a form (the same names in "add carrier" and "add service"). */
function serviceFrom(form: FormData) {
  const min = whole(form, 'transitDaysMin');
  const max = whole(form, 'transitDaysMax') ?? min;
  const dimFactor = whole(form, 'dimFactor');
  return { code: formText(form, 'serviceCode'), name: formText(form, 'serviceName'), transitDaysMin: min, transitDaysMax: max, ...(dimFactor !== undefined && { dimFactor }) };
}

function ServiceFields() {
  return (
    <>
      <Field label={t('settings.carrier.serviceCode')}><input name="serviceCode" required size={10} /></Field>
      <Field label={t('settings.carrier.serviceName')}><input name="serviceName" required /></Field>
      <Field label={t('settings.carrier.transitMin')}><input name="transitDaysMin" type="number" min={0} max={60} required size={4} /></Field>
      <Field label={t('settings.carrier.transitMax')}><input name="transitDaysMax" type="number" min={0} max={60} size={4} /></Field>
      <Field label={t('settings.carrier.dimFactor')}><input name="dimFactor" type="number" min={1000} max={20000} size={6} /></Field>
    </>
  );
}

function CarrierCard({ carrier, mayWrite, onChanged, onPick, picked }: {
  carrier: Carrier; mayWrite: boolean; onChanged: () => void; onPick: (service: Service) => void; picked: string | null;
}) {
  const [error, setError] = useState('');
  const patch = usePatch(onChanged, setError);
  const addService = onSubmit(setError, async (form, formEl) => {
    await api('PATCH', `/carriers/${encodeURIComponent(carrier.code)}`, { services: [serviceFrom(form)] }, { headers: { 'if-match': String(carrier.version) } });
    formEl.reset();
    onChanged();
  });
  const titleId = `carrier-${carrier.code}`;
  return (
    <li class="card" data-carrier={carrier.code}>
      <div class="inline">
        <h3 id={titleId}>{t('settings.carrier.title', { code: carrier.code, name: carrier.name })}</h3>
        <span class="badge">{t(carrier.adapter === 'manual' ? 'settings.carrier.adapter.manual' : 'settings.carrier.adapter.rate-table')}</span>
        {!carrier.active && <span class="badge status-cancelled">{t('settings.inactive')}</span>}
        {mayWrite && <button type="button" class="secondary" onClick={() => void patch(`/carriers/${encodeURIComponent(carrier.code)}`, carrier.version, { active: !carrier.active })}>
          {carrier.active ? t('settings.deactivate', { code: carrier.code }) : t('settings.activate', { code: carrier.code })}</button>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <table aria-labelledby={titleId}>
        <thead><tr><th>{t('settings.carrier.serviceCode')}</th><th>{t('settings.carrier.serviceName')}</th><th class="num">{t('settings.carrier.transitDays')}</th><th class="num">{t('settings.carrier.dimFactor')}</th><th>{t('settings.active')}</th><th>{t('settings.carrier.rateTable')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
        <tbody>
          {carrier.services.map((s) => (
            <tr key={s.code} class={picked === s.code ? "picked" : undefined}>
              <td>{s.code}</td><td>{s.name}</td>
              <td class="num">{s.transitDaysMin === s.transitDaysMax ? s.transitDaysMax : `${s.transitDaysMin}–${s.transitDaysMax}`}</td>
              <td class="num">{s.dimFactor ?? '—'}</td><td>{yes(s.active)}</td><td>{yes(s.hasRateTable)}</td>
              <td><button type="button" class="secondary" onClick={() => onPick(s)}>{t('settings.carrier.openRates', { service: `${carrier.code}/${s.code}` })}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {mayWrite && (
        <form class="filters" onSubmit={addService} aria-label={t('settings.carrier.addServiceTo', { code: carrier.code })}>
          <ServiceFields />
          <div class="buttons"><button type="submit">{t('settings.carrier.addService')}</button></div>
        </form>
      )}
    </li>
  );
}

/** Carriers with their services, each service's rate table (view, edit as JSON, upload), and a quote to try. */
export function Carriers({ mayWrite, canReadLocations }: { mayWrite: boolean; canReadLocations: boolean }) {
  const carriers = useApi<{ data: Carrier[] }>('/carriers');
  const [error, setError] = useState('');
  const [picked, setPicked] = useState<{ carrier: string; service: string; hasTable: boolean } | null>(null);
  const create = onSubmit(setError, async (form, formEl) => {
    await api('POST', '/carriers', { code: formText(form, 'code'), name: formText(form, 'name'), adapter: formText(form, 'adapter'), services: [serviceFrom(form)] });
    formEl.reset();
    carriers.reload();
  });
  return (
    <>
      <section aria-labelledby="settings-carriers">
        <h2 id="settings-carriers">{t('settings.carriers')}</h2>
        <p class="muted">{t('settings.carriersHelp')}</p>
        {error && <p class="error" role="alert">{error}</p>}
        {mayWrite && (
          <form class="filters" onSubmit={create} aria-label={t('settings.carrier.add')}>
            <Field label={t('settings.code')}><input name="code" required size={10} /></Field>
            <Field label={t('access.name')}><input name="name" required /></Field>
            <Field label={t('settings.carrier.adapter')}>
              <select name="adapter">{adapters.map((a) => <option key={a} value={a}>{t(`settings.carrier.adapter.${a}`)}</option>)}</select>
            </Field>
            <ServiceFields />
            <div class="buttons"><button type="submit">{t('settings.carrier.add')}</button></div>
          </form>
        )}
        <Load state={carriers} empty={(c) => c.data.length === 0}>
          {(c) => (
            <ul class="cards">
              {c.data.map((carrier) => (
                <CarrierCard key={carrier.id} carrier={carrier} mayWrite={mayWrite} onChanged={carriers.reload}
                  picked={picked?.carrier === carrier.code ? picked.service : null} onPick={(s) => setPicked({ carrier: carrier.code, service: s.code, hasTable: s.hasRateTable })} />
              ))}
            </ul>
          )}
        </Load>
      </section>
      {picked && <RateTableEditor key={`${picked.carrier}/${picked.service}`} carrier={picked.carrier} service={picked.service} exists={picked.hasTable} mayWrite={mayWrite} onSaved={carriers.reload} />}
      <RateQuote canReadLocations={canReadLocations} />
    </>
  );
}
