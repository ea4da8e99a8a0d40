/**
 * The shape channels and locations share: a section listing rows that can be switched on and off, with a form to add
 * one above the table; errors of the form and of the switches in the section's alert.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Load } from '../../components.js';
import { t } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { useCreate, usePatch, yes } from './section-actions.js';

export interface Toggled { id: string; code: string; active: boolean; version: number }

export function ToggledList<T extends Toggled>(props: {
  /** The collection's path (`/channels`): listed, added to, and each row patched at `${path}/${id}`. */
  path: string;
  id: string;
  title: string;
  mayWrite: boolean;
  /** The add form's fields and button; `make` turns the submitted form into the request body. */
  form: ComponentChildren;
  make: (form: FormData) => unknown;
  /** Header cells and a row's cells, before the shared "active" and action columns. */
  head: ComponentChildren;
  cells: (row: T) => ComponentChildren;
}) {
  const rows = useApi<Page<T>>(`${props.path}?limit=200`);
  const [error, setError] = useState('');
  const patch = usePatch(rows.reload, setError);
  const create = useCreate(rows.reload, setError);
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {props.mayWrite && <form class="filters" onSubmit={create(props.path, props.make)}>{props.form}</form>}
      <Load state={rows} empty={(p) => p.data.length === 0}>
        {(p) => (
          <table>
            <thead><tr>{props.head}<th>{t('settings.active')}</th><th><span class="visually-hidden">{t('common.actions')}</span></th></tr></thead>
            <tbody>
              {p.data.map((row) => (
                <tr key={row.id}>
                  {props.cells(row)}<td>{yes(row.active)}</td>
                  <td>{props.mayWrite && <button type="button" class="secondary" onClick={() => void patch(`${props.path}/${row.id}`, row.version, { active: !row.active })}>
                    {row.active ? t('settings.deactivate', { code: row.code }) : t('settings.activate', { code: row.code })}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
    </section>
  );
}
