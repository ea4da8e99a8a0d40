import { useState } from 'preact/hooks';
import { query } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Availability } from '../../types.js';
import { useApi } from '../../use-api.js';

/** Available to promise for a SKU (and a channel), with the terms it is made of. */
export function AvailabilityPage({ sku: initialSku }: { sku?: string }) {
  const [asked, setAsked] = useState<{ sku?: string; channel?: string }>({ sku: initialSku });
  const result = useApi<{ data: Availability[] }>(asked.sku ? `/availability${query({ sku: asked.sku, channel: asked.channel })}` : null);
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
        <Load state={result} empty={(r) => r.data.length === 0}>
          {(r) => (
            <div>
              {r.data.map((a) => (
                <article key={a.sku} class="availability">
                  <h2>{a.sku}: {a.available}</h2>
                  <h3>{t('availability.why')}</h3>
                  <p data-testid="explanation">{t('availability.explain', { onHand: a.onHand, reserved: a.reserved, quarantined: a.quarantined, safety: a.safetyStock, available: a.available })}</p>
                  <p>{t('availability.incoming', { incoming: a.incoming })}</p>
                  {a.channel && <p>{t('availability.channelAvailable', { channel: a.channel.code, available: a.channel.available })}</p>}
                </article>
              ))}
            </div>
          )}
        </Load>
      )}
    </section>
  );
}
