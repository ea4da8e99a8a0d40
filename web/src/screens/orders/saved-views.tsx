import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Field } from '../../components.js';
import { t } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { fromApiFilters, toApiFilters, type Filters } from './filters.js';

interface SavedView { id: string; name: string; filters: Record<string, unknown>; version: number }

/** The signed-in person's saved views of the orders list: pick one to apply it, save the current filters, delete one. */
export function SavedViews({ filters, onApply, mayWrite }: { filters: Filters; onApply: (f: Filters) => void; mayWrite: boolean }) {
  const views = useApi<{ data: SavedView[] }>('/saved-views?list=orders');
  const [chosen, setChosen] = useState('');
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const list = views.data?.data ?? [];
  const choose = (id: string) => {
    setChosen(id);
    const view = list.find((v) => v.id === id);
    onApply(view ? fromApiFilters(view.filters) : {});
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    try {
      const view = await api<SavedView>('POST', '/saved-views', { list: 'orders', name: name.trim(), filters: toApiFilters(filters) });
      setName('');
      setChosen(view.id);
      setMessage({ ok: true, text: t('views.saved', { name: view.name }) });
      views.reload();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  const remove = async () => {
    const view = list.find((v) => v.id === chosen);
    if (!view || !confirm(t('common.confirm'))) return;
    try {
      await api('DELETE', `/saved-views/${view.id}`);
      setChosen('');
      views.reload();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <div class="saved-views">
      <Field label={t('views.label')}>
        <select value={chosen} onChange={(e) => choose(e.currentTarget.value)}>
          <option value="">{t('views.none')}</option>
          {list.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
        </select>
      </Field>
      {mayWrite && chosen && <button type="button" class="secondary" onClick={() => void remove()}>{t('views.delete')}</button>}
      {mayWrite && (
        <form class="inline" onSubmit={(e) => void save(e)}>
          <Field label={t('views.name')}><input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={100} /></Field>
          <button type="submit">{t('views.save')}</button>
        </form>
      )}
      {message && <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
    </div>
  );
}
