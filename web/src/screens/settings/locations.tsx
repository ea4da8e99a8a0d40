import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import { yes } from './section-actions.js';
import { ToggledList } from './toggled-list.js';

export interface Location { id: string; code: string; name: string; type: string; capabilities: { ship: boolean; pickup: boolean }; priority: number; active: boolean; version: number }

const locationTypes = ['warehouse', 'store', 'dropship'] as const;

/** Locations: add one (ships, pickup), activate or deactivate it. */
export function Locations({ mayWrite }: { mayWrite: boolean }) {
  return (
    <ToggledList<Location>
      path="/locations" id="settings-locations" title={t('settings.locations')} mayWrite={mayWrite}
      make={(f) => ({
        code: formText(f, 'code'), name: formText(f, 'name'), type: formText(f, 'type'),
        capabilities: { ship: f.get('ship') !== null, pickup: f.get('pickup') !== null },
      })}
      form={<>
        <Field label={t('settings.code')}><input name="code" required /></Field>
        <Field label={t('access.name')}><input name="name" required /></Field>
        <Field label={t('settings.type')}><select name="type">{locationTypes.map((c) => <option key={c} value={c}>{t(`settings.locationType.${c}`)}</option>)}</select></Field>
        <label class="check"><input name="ship" type="checkbox" defaultChecked /> {t('settings.ships')}</label>
        <label class="check"><input name="pickup" type="checkbox" /> {t('settings.pickup')}</label>
        <div class="buttons"><button type="submit">{t('settings.addLocation')}</button></div>
      </>}
      head={<><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.type')}</th><th>{t('settings.ships')}</th><th>{t('settings.pickup')}</th><th class="num">{t('settings.priority')}</th></>}
      cells={(l) => <>
        <td>{l.code}</td><td>{l.name}</td><td>{t(`settings.locationType.${l.type}` as Parameters<typeof t>[0])}</td>
        <td>{yes(l.capabilities.ship)}</td><td>{yes(l.capabilities.pickup)}</td><td class="num">{l.priority}</td>
      </>}
    />
  );
}
