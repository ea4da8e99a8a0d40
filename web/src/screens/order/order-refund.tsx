import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t } from '../../i18n.js';
import type { Order, Payment, RefundExplanation } from '../../types.js';
import { RefundBreakdown } from './refund-breakdown.js';
import { toMinor } from './refund-parts.js';

/**
 * A refund without a return (POST /v1/refunds): units of lines (lost goods, a price adjustment), shipping, an amount by
 * hand, or any of them together, with a reason. "Show the refund" asks the quote (nothing written); "Refund" pays it
 * with a fresh Idempotency-Key. Whatever the API refuses is shown in its words.
 */
export function OrderRefund({ order, onDone }: { order: Order; onDone: () => void }) {
  const [error, setError] = useState('');
  const [quote, setQuote] = useState<RefundExplanation | null>(null);
  const [done, setDone] = useState<Payment | null>(null);
  const paidLines = order.lines.filter((l) => l.quantity - l.cancelled > 0);

  const request = (form: FormData) => {
    const lines = paidLines.map((l) => ({ lineId: l.id, quantity: Number(formText(form, `refund-${l.id}`) || 0) })).filter((l) => l.quantity > 0);
    const amountText = formText(form, 'amount');
    const amountMinor = amountText ? toMinor(amountText, order.currency) : undefined;
    if (amountMinor === null) return null;
    return {
      order: order.id, currency: order.currency,
      ...(lines.length > 0 && { lines }), ...(form.get('shipping') === 'on' && { shipping: true }), ...(amountMinor && { amountMinor }),
    };
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    // The event's currentTarget is gone once the handler awaits.
    const element = e.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const body = request(form);
    setError('');
    setDone(null);
    if (!body) return setError(t('order.refund.badAmount'));
    const preview = (e.submitter as HTMLButtonElement | null)?.value === 'quote';
    try {
      if (preview) setQuote(await api<RefundExplanation>('POST', '/refunds/quote', body));
      else {
        setDone(await api<Payment>('POST', '/refunds', { ...body, reason: formText(form, 'reason') }, { idempotent: true }));
        setQuote(null);
        element.reset();
        onDone();
      }
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div class="actions order-refund">
      <h3>{t('order.refund.title')}</h3>
      <form class="inline" onSubmit={(e) => void submit(e)}>
        {paidLines.map((l) => (
          <Field key={l.id} label={t('order.refund.unitsOf', { sku: l.sku, line: l.lineNo })}>
            <input name={`refund-${l.id}`} type="number" min={0} max={l.quantity - l.cancelled} defaultValue="0" />
          </Field>
        ))}
        <label class="check"><input type="checkbox" name="shipping" /> {t('order.refund.shipping')}</label>
        <Field label={t('order.refund.amountBy', { currency: order.currency })}><input name="amount" inputMode="decimal" /></Field>
        <Field label={t('order.refund.reason')}><input name="reason" required maxLength={500} /></Field>
        <button type="submit" class="secondary" value="quote" formNoValidate>{t('order.refund.quote')}</button>
        <button type="submit" value="refund">{t('order.refund.submit')}</button>
      </form>
      {quote && <div class="quote"><RefundBreakdown explanation={quote} label={t('order.refund.quoteOf')} /></div>}
      {done && <p class="ok" role="status">{t('order.refund.done')}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
