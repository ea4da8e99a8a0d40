import type { ComponentChildren } from 'preact';
import { t } from './i18n.js';
import type { Loaded } from './use-api.js';

/** Loading, error and empty states for whatever a page loads, then the page itself. */
export function Load<T>({ state, empty, children }: { state: Loaded<T>; empty?: (data: T) => boolean; children: (data: T) => ComponentChildren }) {
  if (state.error) return <p class="error" role="alert">{t('common.error', { message: state.error.message })}</p>;
  if (state.data === undefined) return <p class="muted" aria-busy="true">{t('common.loading')}</p>;
  if (empty?.(state.data)) return <p class="muted">{t('common.empty')}</p>;
  return <>{children(state.data)}</>;
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return <label class="field"><span>{label}</span>{children}</label>;
}

export const StatusBadge = ({ status }: { status: string }) =>
  <span class={`badge status-${status}`}>{t(`status.${status}` as Parameters<typeof t>[0])}</span>;

/** A form field's text, trimmed ('' when absent). */
export function formText(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === 'string' ? v.trim() : '';
}
