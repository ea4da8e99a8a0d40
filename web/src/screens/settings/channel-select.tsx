import { useEffect, useRef } from 'preact/hooks';
import { Field, Load } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import type { Channel } from './channels.js';

/** Which channel a section shows (connectors, sourcing rules): the first one until another is chosen. */
export function ChannelSelect({ value, onChange }: { value: string; onChange: (code: string) => void }) {
  const channels = useApi<Page<Channel>>('/channels?limit=200');
  const first = channels.data?.data[0]?.code;
  // A channel picked before this effect ran (it runs after the paint) stays picked: the effect's `value` may be older.
  const picked = useRef(false);
  useEffect(() => {
    if (!value && first && !picked.current) onChange(first);
  }, [value, first, onChange]);
  return (
    <Load state={channels} empty={(p) => p.data.length === 0}>
      {(p) => (
        <div class="filters">
          <Field label={t('settings.channel')}>
            <select value={value} onChange={(e) => { picked.current = true; onChange(e.currentTarget.value); }}>
              {p.data.map((c) => <option key={c.code} value={c.code} selected={c.code === value}>{c.code} · {c.name}</option>)}
            </select>
          </Field>
        </div>
      )}
    </Load>
  );
}
