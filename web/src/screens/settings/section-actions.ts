/** What every settings section does with its forms: a change with If-Match, a create from a form; errors in the section's alert. */
import { api } from '../../api.js';
import { t } from '../../i18n.js';

/** A change of one field with If-Match (the version shown), then the list again. */
export function usePatch(reload: () => void, setError: (m: string) => void) {
  return async (path: string, version: number, body: unknown) => {
    setError('');
    try {
      await api('PATCH', path, body, { headers: { 'if-match': String(version) } });
      reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
}

/** Adds the form's fields with `make`, resets the form, reloads. */
export function useCreate(reload: () => void, setError: (m: string) => void) {
  return (path: string, make: (form: FormData) => unknown) => (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    setError('');
    api('POST', path, make(new FormData(formEl))).then(() => { formEl.reset(); reload(); }, (err: Error) => setError(err.message));
  };
}

/** Runs a form's work on submit (the default prevented); a failure's message goes to `setError`. */
export function onSubmit(setError: (m: string) => void, work: (form: FormData, formEl: HTMLFormElement) => Promise<void>) {
  return (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    setError('');
    work(new FormData(formEl), formEl).catch((err: Error) => setError(err.message));
  };
}

/** yes or no, in the language shown. */
export const yes = (b: boolean): string => (b ? t('common.yes') : t('common.no'));
