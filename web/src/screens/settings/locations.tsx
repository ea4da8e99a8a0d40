import { useState } from 'preact/hooks';
import { Field, Load, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useCreate, usePatch, yes } from './section-actions.js';

export interface Location { id: string; code: string; name: string; type: string; capabilities: { ship: boolean; pickup: boolean }; priority: number; active: boolean; version: number }

const locationTypes = ['warehouse', 'store', 'dropship'] as const;

/** Locations: add one (ships, pickup), activate or deactivate it. */
export function Locations({ mayWrite }: { mayWrite: boolean }) {
  const locations = useApi<Page<Location>>('/locations?limit=200');
  const [error, setError] = useState('');
  const patch = usePatch(locations.reload, setError);
  const create = useCreate(locations.reload, setError);
  return (
    <section aria-labelledby="settings-locations">
      <h2 id="settings-locations">{t('settings.locations')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {mayWrite && (
        <form class="filters" onSubmit={create('/locations', (f) => ({
          code: formText(f, 'code'), name: formText(f, 'name'), type: formText(f, 'type'),
          capabilities: { ship: f.get('ship') !== null, pickup: f.get('pickup') !== null },
        }))}>
          <Field label={t('settings.code')}><input name="code" required /></Field>
          <Field label={t('access.name')}><input name="name" required /></Field>
          <Field label={t('settings.type')}><select name="type">{locationTypes.map((c) => <option key={c} value={c}>{t(`settings.locationType.${c}`)}</option>)}</select></Field>
          <label class="check"><input name="ship" type="checkbox" defaultChecked /> {t('settings.ships')}</label>
          <label class="check"><input name="pickup" type="checkbox" /> {t('settings.pickup')}</label>
          <div class="buttons"><button type="submit">{t('settings.addLocation')}</button></div>
        </form>
      )}
      <Load state={locations} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.type')}</th><th>{t('settings.ships')}</th><th>{t('settings.pickup')}</th><th class="num">{t('settings.priority')}</th><th>{t('settings.active')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((l) => (
                <tr key={l.id}>
                  <td>{l.code}</td><td>{l.name}</td><td>{t(`settings.locationType.${l.type}` as Parameters<typeof t>[0])}</td>
                  <td>{yes(l.capabilities.ship)}</td><td>{yes(l.capabilities.pickup)}</td><td class="num">{l.priority}</td><td>{yes(l.active)}</td>
                  <td>{mayWrite && <button type="button" class="secondary" onClick={() => void patch(`/locations/${l.id}`, l.version, { active: !l.active })}>
                    {l.active ? t('settings.deactivate', { code: l.code }) : t('settings.activate', { code: l.code })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}
