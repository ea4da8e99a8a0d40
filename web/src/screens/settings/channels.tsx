import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import { ToggledList } from './toggled-list.js';

export interface Channel { id: string; code: string; name: string; type: string; currency: string; active: boolean; version: number }

const channelTypes = ['web', 'marketplace', 'store', 'b2b', 'api'] as const;

/** Sales channels: add one, activate or deactivate it. */
export function Channels({ mayWrite }: { mayWrite: boolean }) {
  return (
    <ToggledList<Channel>
      path="/channels" id="settings-channels" title={t('settings.channels')} mayWrite={mayWrite}
      make={(f) => ({ code: formText(f, 'code'), name: formText(f, 'name'), type: formText(f, 'type'), currency: formText(f, 'currency').toUpperCase() })}
      form={<>
        <Field label={t('settings.code')}><input name="code" required /></Field>
        <Field label={t('access.name')}><input name="name" required /></Field>
        <Field label={t('settings.type')}><select name="type">{channelTypes.map((c) => <option key={c} value={c}>{t(`settings.channelType.${c}`)}</option>)}</select></Field>
        <Field label={t('settings.currency')}><input name="currency" required pattern="[A-Za-z]{3}" maxLength={3} size={4} /></Field>
        <div class="buttons"><button type="submit">{t('settings.addChannel')}</button></div>
      </>}
      head={<><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.type')}</th><th>{t('settings.currency')}</th></>}
      cells={(c) => <><td>{c.code}</td><td>{c.name}</td><td>{t(`settings.channelType.${c.type}` as Parameters<typeof t>[0])}</td><td>{c.currency}</td></>}
    />
  );
}
