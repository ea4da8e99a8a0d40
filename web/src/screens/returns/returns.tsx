import { useState } from 'preact/hooks';
import { api, money, query, when, type Session } from '../../api.js';
import { Field, Load, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Page } from '../../types.js';
import { useApi } from '../../use-api.js';

const returnStatuses = ['requested', 'approved', 'received', 'inspected', 'refunded', 'closed', 'rejected', 'cancelled'] as const;
interface ReturnLine { id: string; lineId: string; lineNo: number; sku: string; quantity: number; reasonCode: string; received: number; restocked: number; quarantined: number; writtenOff: number }
interface Return {
  id: string; number: string; orderId: string; orderNumber: string; status: (typeof returnStatuses)[number]; reasonCode: string;
  note: string | null; location: string | null; lines: ReturnLine[]; createdAt: string;
}
interface RefundQuote { currency: string; totalMinor: number; itemsMinor: number; restockingFee: { amountMinor: number; rule: string }; shipping: { amountMinor: number; rule: string }; rule: string }

const statusLabel = (s: string) => t(`return.status.${s}` as Parameters<typeof t>[0]);

/** What may be done to a return in its status, each a call of the returns API. */
function ReturnActions({ ret, onDone }: { ret: Return; onDone: () => void }) {
  const lang = useLanguage();
  const [error, setError] = useState('');
  const [quote, setQuote] = useState<RefundQuote | null>(null);
  const act = async (path: string, body: unknown = {}, opts: { idempotent?: boolean } = {}) => {
    setError('');
    try {
      await api('POST', `/returns/${ret.id}/${path}`, body, opts);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const receive = (e: Event) => {
    e.preventDefault();
    const location = formText(new FormData(e.currentTarget as HTMLFormElement), 'location');
    void act('receive', { location, lines: ret.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })) });
  };
  const inspect = (to: 'restock' | 'quarantine' | 'writeOff') =>
    void act('inspect', { lines: ret.lines.map((l) => ({ lineId: l.lineId, [to]: l.received })) });
  const askQuote = async () => {
    setError('');
    try {
      setQuote(await api<RefundQuote>('GET', `/returns/${ret.id}/refund-quote`));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="row-actions">
      {ret.status === 'requested' && <>
        <button type="button" onClick={() => void act('approve')}>{t('returns.approve')}</button>
        <button type="button" class="danger" onClick={() => confirm(t('common.confirm')) && void act('reject')}>{t('returns.reject')}</button>
      </>}
      {ret.status === 'approved' && (
        <form class="inline" onSubmit={receive}>
          <Field label={t('returns.receivedAt')}><input name="location" required /></Field>
          <button type="submit">{t('returns.receive')}</button>
        </form>
      )}
      {ret.status === 'received' && <>
        <button type="button" onClick={() => inspect('restock')}>{t('returns.restock')}</button>
        <button type="button" class="secondary" onClick={() => inspect('quarantine')}>{t('returns.quarantine')}</button>
        <button type="button" class="danger" onClick={() => inspect('writeOff')}>{t('returns.writeOff')}</button>
      </>}
      {ret.status === 'inspected' && (quote ? (
        <div class="quote" data-testid="refund-quote">
          <p>{t('returns.quote', { total: money(quote.totalMinor, quote.currency, lang), items: money(quote.itemsMinor, quote.currency, lang), fee: money(quote.restockingFee.amountMinor, quote.currency, lang) })}</p>
          <p class="muted">{quote.rule}</p>
          <button type="button" onClick={() => void act('refund', {}, { idempotent: true })}>{t('returns.refund')}</button>
          <button type="button" class="secondary" onClick={() => void act('close')}>{t('returns.close')}</button>
        </div>
      ) : <button type="button" onClick={() => void askQuote()}>{t('returns.quoteButton')}</button>)}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

/** The RMA queue: returns by status, each moved on from here (approve, receive, inspect, refund with its explanation). */
export function ReturnsPage({ session }: { session: Session }) {
  const lang = useLanguage();
  const [status, setStatus] = useState<string>('requested');
  const list = useApi<Page<Return>>(`/returns${query({ status, limit: '50' })}`, 15_000);
  const mayWrite = session.permissions.includes('return:write');
  return (
    <section>
      <h1>{t('returns.title')}</h1>
      <div class="tabs" role="group" aria-label={t('returns.byStatus')}>
        {returnStatuses.map((s) => (
          <button key={s} type="button" class={s === status ? '' : 'secondary'} aria-pressed={s === status} onClick={() => setStatus(s)}>{statusLabel(s)}</button>
        ))}
      </div>
      <Load state={list} empty={(p) => p.data.length === 0}>
        {(p) => (
          <ul class="queue">
            {p.data.map((r) => (
              <li key={r.id} data-return={r.number}>
                <strong>{r.number}</strong> · <a href={`#/orders/${r.orderId}`}>{r.orderNumber}</a> · {statusLabel(r.status)} · {t('returns.reason')}: {r.reasonCode} · {when(r.createdAt, lang)}
                {r.note && <p class="muted">{r.note}</p>}
                <ul class="lines">
                  {r.lines.map((l) => (
                    <li key={l.id}>{t('returns.line', { sku: l.sku, quantity: l.quantity, received: l.received })}</li>
                  ))}
                </ul>
                {mayWrite && <ReturnActions ret={r} onDone={list.reload} />}
              </li>
            ))}
          </ul>
        )}
      </Load>
    </section>
  );
}

/** On an order's page: ask for a return of shipped units (POST /v1/returns). */
export function RequestReturn({ orderId, lines, onDone }: { orderId: string; lines: { id: string; lineNo: number; sku: string; shipped: number }[]; onDone: () => void }) {
  const [error, setError] = useState('');
  const [created, setCreated] = useState('');
  const shipped = lines.filter((l) => l.shipped > 0);
  if (shipped.length === 0) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const wanted = shipped.map((l) => ({ lineId: l.id, quantity: Number(formText(form, `qty-${l.id}`) || 0) })).filter((l) => l.quantity > 0);
    setError('');
    try {
      const ret = await api<Return>('POST', '/returns', { order: orderId, reasonCode: formText(form, 'reasonCode'), lines: wanted });
      setCreated(ret.number);
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section class="actions">
      <h2>{t('returns.request')}</h2>
      <form class="inline" onSubmit={(e) => void submit(e)}>
        {shipped.map((l) => (
          <Field key={l.id} label={t('returns.quantityOf', { sku: l.sku, line: l.lineNo })}>
            <input name={`qty-${l.id}`} type="number" min={0} max={l.shipped} defaultValue="0" />
          </Field>
        ))}
        <Field label={t('returns.reasonCode')}><input name="reasonCode" required pattern="[a-z][a-z0-9_]*" /></Field>
        <button type="submit">{t('returns.requestButton')}</button>
      </form>
      {created && <p class="ok" role="status">{t('returns.created', { number: created })}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
