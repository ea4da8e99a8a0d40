import { useState } from 'preact/hooks';
import { Load } from '../../components.js';
import { t } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { usePatch, yes } from './section-actions.js';

interface ReviewRule {
  id: string; code: string; name: string; priority: number; enabled: boolean; action: 'hold' | 'flag'; reasonCode: string; version: number;
  condition: { match: 'all' | 'any'; conditions: { field: string; operator: string; value: unknown }[] };
}

/** Review rules in the order they run: enable or disable one. */
export function ReviewRules({ mayWrite }: { mayWrite: boolean }) {
  const rules = useApi<{ data: ReviewRule[] }>('/review-rules');
  const [error, setError] = useState('');
  const patch = usePatch(rules.reload, setError);
  return (
    <section aria-labelledby="settings-rules">
      <h2 id="settings-rules">{t('settings.reviewRules')}</h2>
      <p class="muted">{t('settings.reviewRulesHelp')}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <Load state={rules} empty={(r) => r.data.length === 0}>
        {(r) => (
          <table>
            <thead><tr><th class="num">{t('settings.priority')}</th><th>{t('settings.code')}</th><th>{t('access.name')}</th><th>{t('settings.condition')}</th><th>{t('settings.action')}</th><th>{t('settings.enabled')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {r.data.map((rule) => (
                <tr key={rule.id}>
                  <td class="num">{rule.priority}</td><td>{rule.code}</td><td>{rule.name}</td>
                  <td><code>{rule.condition.conditions.map((c) => `${c.field} ${c.operator} ${JSON.stringify(c.value)}`).join(rule.condition.match === 'all' ? ' ∧ ' : ' ∨ ')}</code></td>
                  <td>{t(rule.action === 'hold' ? 'settings.actionHold' : 'settings.actionFlag')} · {rule.reasonCode}</td><td>{yes(rule.enabled)}</td>
                  <td>{mayWrite && <button type="button" class="secondary" onClick={() => void patch(`/review-rules/${rule.id}`, rule.version, { enabled: !rule.enabled })}>
                    {rule.enabled ? t('settings.disable', { code: rule.code }) : t('settings.enable', { code: rule.code })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}
