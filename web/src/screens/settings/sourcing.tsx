import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Field, Load } from '../../components.js';
import { t } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { ChannelSelect } from './channel-select.js';
import { Simulation } from './simulation.js';
import { isRule, ruleLabel, ruleNames, type RuleName, type RuleSet } from './sourcing-rules.js';

interface RuleSetView { channel: string; rules: string[]; splitLines: boolean; source: 'channel' | 'default'; version: number }

/** Moves item `i` by `by` places in a copy of the list. */
const moved = <T,>(list: readonly T[], i: number, by: number): T[] => {
  const next = [...list];
  const [item] = next.splice(i, 1);
  next.splice(i + by, 0, item as T);
  return next;
};

/** A small button showing an arrow or a cross; its words are for screen readers and the tooltip. */
function IconButton({ icon, label, disabled, onClick }: { icon: string; label: string; disabled: boolean; onClick: () => void }) {
  return (
    <button type="button" class="secondary icon" title={label} disabled={disabled} onClick={onClick}>
      <span aria-hidden="true">{icon}</span><span class="visually-hidden">{label}</span>
    </button>
  );
}

/** The ordered rule list being edited: move a rule up or down, remove it, add one not yet in it; split lines or not. */
function RuleEditor({ value, onChange }: { value: RuleSet; onChange: (v: RuleSet) => void }) {
  const unused = ruleNames.filter((r) => !value.rules.includes(r));
  const [adding, setAdding] = useState<string>('');
  const toAdd = unused.includes(adding as RuleName) ? adding : unused[0] ?? '';
  return (
    <div class="rule-editor">
      <ol class="rules" aria-label={t('settings.sourcing.ruleOrder')}>
        {value.rules.map((r, i) => (
          <li key={r} data-rule={r}>
            <span class="rule-name">{ruleLabel(r)}</span>
            <span class="muted">{isRule(r) ? t(`settings.ruleHelp.${r}`) : ''}</span>
            <span class="row-actions">
              <IconButton icon="↑" label={t('settings.sourcing.up', { rule: ruleLabel(r) })} disabled={i === 0} onClick={() => onChange({ ...value, rules: moved(value.rules, i, -1) })} />
              <IconButton icon="↓" label={t('settings.sourcing.down', { rule: ruleLabel(r) })} disabled={i === value.rules.length - 1} onClick={() => onChange({ ...value, rules: moved(value.rules, i, 1) })} />
              <IconButton icon="✕" label={t('settings.sourcing.remove', { rule: ruleLabel(r) })} disabled={value.rules.length === 1} onClick={() => onChange({ ...value, rules: value.rules.filter((x) => x !== r) })} />
            </span>
          </li>
        ))}
      </ol>
      <div class="filters">
        {unused.length > 0 && (
          <>
            <Field label={t('settings.sourcing.addRule')}>
              <select value={toAdd} onChange={(e) => setAdding(e.currentTarget.value)}>
                {unused.map((r) => <option key={r} value={r} selected={r === toAdd}>{ruleLabel(r)}</option>)}
              </select>
            </Field>
            <div class="buttons"><button type="button" class="secondary" onClick={() => onChange({ ...value, rules: [...value.rules, toAdd] })}>{t('settings.sourcing.add')}</button></div>
          </>
        )}
        <label class="check"><input type="checkbox" checked={value.splitLines} onChange={(e) => onChange({ ...value, splitLines: e.currentTarget.checked })} /> {t('settings.sourcing.splitLines')}</label>
      </div>
    </div>
  );
}

function ChannelRules({ code, mayWrite, maySimulate }: { code: string; mayWrite: boolean; maySimulate: boolean }) {
  const view = useApi<RuleSetView>(`/channels/${encodeURIComponent(code)}/sourcing-rules`);
  const [draft, setDraft] = useState<RuleSet | null>(null);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const save = async (ruleSet: RuleSet) => {
    setError('');
    setSaved(false);
    try {
      await api('PUT', `/channels/${encodeURIComponent(code)}/sourcing-rules`, ruleSet);
      setDraft(null);
      setSaved(true);
      view.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Load state={view}>
      {(v) => {
        const current = { rules: v.rules, splitLines: v.splitLines };
        const proposed = draft ?? current;
        const changed = JSON.stringify(proposed) !== JSON.stringify(current);
        return (
          <>
            <section aria-labelledby="sourcing-rules-title">
              <h3 id="sourcing-rules-title">{t('settings.sourcing.rules')}</h3>
              <p data-testid="rules-in-force">
                {t(v.source === 'default' ? 'settings.sourcing.inForceDefault' : 'settings.sourcing.inForce', { rules: v.rules.map(ruleLabel).join(' › ') })}
                {v.splitLines ? ` ${t('settings.sourcing.splitsLines')}` : ''}
              </p>
              {mayWrite || maySimulate ? <RuleEditor value={proposed} onChange={(r) => { setSaved(false); setDraft(r); }} /> : null}
              {error && <p class="error" role="alert">{error}</p>}
              {saved && <p class="ok" role="status">{t('settings.saved')}</p>}
              <div class="row-actions">
                {mayWrite && <button type="button" disabled={!changed} onClick={() => void save(proposed)}>{t('settings.sourcing.save')}</button>}
                {(mayWrite || maySimulate) && <button type="button" class="secondary" disabled={!changed} onClick={() => setDraft(null)}>{t('settings.sourcing.reset')}</button>}
              </div>
            </section>
            {maySimulate && <Simulation channel={code} proposed={proposed} />}
          </>
        );
      }}
    </Load>
  );
}

/** A channel's sourcing rule set: edit its order, save it, or first see what it would change over recent orders. */
export function Sourcing({ mayWrite, maySimulate }: { mayWrite: boolean; maySimulate: boolean }) {
  const [code, setCode] = useState('');
  return (
    <section aria-labelledby="settings-sourcing">
      <h2 id="settings-sourcing">{t('settings.sourcing')}</h2>
      <p class="muted">{t('settings.sourcingHelp')}</p>
      <ChannelSelect value={code} onChange={setCode} />
      {code && <ChannelRules key={code} code={code} mayWrite={mayWrite} maySimulate={maySimulate} />}
    </section>
  );
}
