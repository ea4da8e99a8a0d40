import { useState } from 'preact/hooks';
import { query } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import { useApi } from '../../use-api.js';

interface Explanation {
  sku: string;
  available: number;
  terms: { onHand: number; reserved: number; quarantined: number; safetyStock: number; sellable: number; pickupOnly: number; inactiveLocations: number };
  locations: { location: string; type: string; ship: boolean; pickup: boolean; active: boolean; onHand: number; reserved: number; quarantined: number; safetyStock: number; free: number }[];
  reservations: { total: number; shown: { location: string; channel: string | null; quantity: number; referenceType: string; referenceId: string; holder: { id: string; number: string } | null }[] };
  supply: { location: string; expectedOn: string; type: string; reference: string | null; unpromised: number }[];
  channel: null | {
    code: string; active: boolean; quotaRule: 'sku' | 'default' | null; quota: number; usedInQuota: number; quotaLeft: number; otherQuotas: number;
    pool: number; poolUsed: number; poolLeft: number; presale: number; presaleDays: number; available: number;
  };
  components: { sku: string; quantity: number; available: number; channelAvailable: number | null }[] | null;
}

/** Available to promise for a SKU (and a channel), with every term it is made of: GET /v1/availability/explain. */
export function AvailabilityPage({ sku: initialSku }: { sku?: string }) {
  const [asked, setAsked] = useState<{ sku?: string; channel?: string }>({ sku: initialSku });
  const result = useApi<Explanation>(asked.sku ? `/availability/explain${query({ sku: asked.sku, channel: asked.channel })}` : null);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setAsked({ sku: formText(form, 'sku') || undefined, channel: formText(form, 'channel') || undefined });
  };
  return (
    <section>
      <h1>{t('availability.title')}</h1>
      <form class="filters" onSubmit={submit}>
        <Field label={t('availability.sku')}><input name="sku" required defaultValue={initialSku} /></Field>
        <Field label={t('availability.channel')}><input name="channel" /></Field>
        <div class="buttons"><button type="submit">{t('availability.check')}</button></div>
      </form>
      {asked.sku && (
        <Load state={result}>
          {(a) => (
            <article class="availability">
              <h2>{a.sku}: {a.channel ? a.channel.available : a.available}</h2>
              <h3>{t('availability.why')}</h3>
              <p data-testid="explanation">{t('availability.explain', { onHand: a.terms.onHand, reserved: a.terms.reserved, quarantined: a.terms.quarantined, safety: a.terms.safetyStock, available: a.available })}</p>
              {a.channel && (
                <div data-testid="channel-explanation">
                  <p>{t('availability.channelAvailable', { channel: a.channel.code, available: a.channel.available })}</p>
                  <ul>
                    {!a.channel.active && <li>{t('availability.inactiveChannel')}</li>}
                    <li>{a.channel.quotaRule === null ? t('availability.noQuota') : t('availability.quota', { quota: a.channel.quota, used: a.channel.usedInQuota, left: a.channel.quotaLeft })}</li>
                    <li>{t('availability.pool', { sellable: a.terms.sellable, others: a.channel.otherQuotas, pool: a.channel.pool, used: a.channel.poolUsed, left: a.channel.poolLeft })}</li>
                    <li>{t('availability.channelSum', { free: a.available, quotaLeft: a.channel.quotaLeft, poolLeft: a.channel.poolLeft, presale: a.channel.presale, available: a.channel.available })}</li>
                  </ul>
                </div>
              )}
              {a.terms.pickupOnly > 0 && <p class="note">{t('availability.pickupOnly', { units: a.terms.pickupOnly })}</p>}
              {a.terms.inactiveLocations > 0 && <p class="muted">{t('availability.inactiveLocations', { units: a.terms.inactiveLocations })}</p>}
              {a.components && (
                <>
                  <h3>{t('availability.components')}</h3>
                  <table>
                    <thead><tr><th>{t('stock.sku')}</th><th class="num">{t('availability.perBundle')}</th><th class="num">{t('stock.available')}</th></tr></thead>
                    <tbody>{a.components.map((c) => <tr key={c.sku}><td>{c.sku}</td><td class="num">{c.quantity}</td><td class="num">{c.channelAvailable ?? c.available}</td></tr>)}</tbody>
                  </table>
                </>
              )}
              {a.locations.length > 0 && (
                <>
                  <h3>{t('availability.byLocation')}</h3>
                  <table>
                    <thead><tr>
                      <th>{t('stock.location')}</th><th class="num">{t('stock.onHand')}</th><th class="num">{t('stock.reserved')}</th>
                      <th class="num">{t('stock.quarantined')}</th><th class="num">{t('stock.safety')}</th><th class="num">{t('stock.available')}</th><th>{t('availability.notes')}</th>
                    </tr></thead>
                    <tbody>
                      {a.locations.map((l) => (
                        <tr key={l.location}>
                          <td>{l.location}</td><td class="num">{l.onHand}</td><td class="num">{l.reserved}</td><td class="num">{l.quarantined}</td>
                          <td class="num">{l.safetyStock}</td><td class="num"><strong>{l.free}</strong></td>
                          <td>{!l.active ? t('availability.inactive') : !l.ship && l.pickup ? t('availability.pickupOnlyShort') : ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
              <h3>{t('availability.heldBy', { count: a.reservations.total })}</h3>
              {a.reservations.shown.length === 0 ? <p class="muted">{t('common.empty')}</p> : (
                <table data-testid="holders">
                  <thead><tr><th>{t('availability.holder')}</th><th>{t('stock.location')}</th><th>{t('orders.channel')}</th><th class="num">{t('availability.units')}</th></tr></thead>
                  <tbody>
                    {a.reservations.shown.map((r) => (
                      <tr key={`${r.referenceType}-${r.referenceId}-${r.location}`}>
                        <td>{r.holder ? <a href={`#/orders/${r.holder.id}`}>{t('availability.order', { number: r.holder.number })}</a> : `${r.referenceType} ${r.referenceId}`}</td>
                        <td>{r.location}</td><td>{r.channel ?? '—'}</td><td class="num">{r.quantity}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {a.supply.length > 0 && (
                <>
                  <h3>{t('availability.supply')}</h3>
                  <table>
                    <thead><tr><th>{t('availability.expectedOn')}</th><th>{t('stock.location')}</th><th>{t('availability.reference')}</th><th class="num">{t('availability.units')}</th></tr></thead>
                    <tbody>{a.supply.map((s) => <tr key={`${s.expectedOn}-${s.location}-${s.reference ?? ''}`}><td>{s.expectedOn}</td><td>{s.location}</td><td>{s.reference ?? s.type}</td><td class="num">{s.unpromised}</td></tr>)}</tbody>
                  </table>
                </>
              )}
            </article>
          )}
        </Load>
      )}
    </section>
  );
}
