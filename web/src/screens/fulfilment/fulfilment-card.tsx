import { useState } from 'preact/hooks';
import { when } from '../../api.js';
import { Field, formText } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Carrier, FulfilmentOrder } from '../../types.js';
import { FulfilmentBadge } from './fulfilment-badge.js';
import { mayReject, nextStep, packingSlipUrl, type Disposition, type FulfilmentQueue, type Parcel } from './use-fulfilment-queue.js';

type Run = (work: () => Promise<void>) => void;

/** Carrier and service from GET /v1/carriers (active ones), tracking number, parcels and weight: one parcel record. */
function ShipForm({ fo, carriers, busy, run, ship }: { fo: FulfilmentOrder; carriers: Carrier[]; busy: boolean; run: Run; ship: FulfilmentQueue['ship'] }) {
  const active = carriers.filter((c) => c.active);
  const [carrier, setCarrier] = useState(active[0]?.code ?? '');
  const services = active.find((c) => c.code === carrier)?.services.filter((s) => s.active) ?? [];
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const service = formText(form, 'service');
    const trackingNumber = formText(form, 'trackingNumber');
    const parcels = Number(formText(form, 'parcels') || '1');
    const weightGrams = Number(formText(form, 'weightGrams') || '0');
    const parcel: Parcel = {
      ...(carrier && { carrier }), ...(carrier && service && { service }), ...(trackingNumber && { trackingNumber }),
      parcels, ...(weightGrams > 0 && { weightGrams }),
    };
    run(() => ship(fo, parcel));
  };
  return (
    <form class="stack" onSubmit={submit}>
      <Field label={t('order.carrier')}>
        <select name="carrier" value={carrier} onChange={(e) => setCarrier(e.currentTarget.value)}>
          <option value="">{t('fulfilment.noCarrier')}</option>
          {active.map((c) => <option key={c.id} value={c.code}>{c.name} ({c.code})</option>)}
        </select>
      </Field>
      {services.length > 0 && (
        <Field label={t('fulfilment.service')}>
          <select name="service">{services.map((s) => <option key={s.code} value={s.code}>{s.name} ({s.code})</option>)}</select>
        </Field>
      )}
      <Field label={t('order.tracking')}><input name="trackingNumber" autocomplete="off" /></Field>
      <div class="pair">
        <Field label={t('fulfilment.parcels')}><input name="parcels" type="number" min={1} max={999} defaultValue="1" inputMode="numeric" /></Field>
        <Field label={t('fulfilment.weight')}><input name="weightGrams" type="number" min={1} inputMode="numeric" /></Field>
      </div>
      <button type="submit" class="big" disabled={busy}>{t('fulfilment.ship', { number: fo.number })}</button>
    </form>
  );
}

/** The code the customer shows at the counter; a wrong one is refused by the API (its message is shown). */
function HandOverForm({ fo, busy, run, handOver }: { fo: FulfilmentOrder; busy: boolean; run: Run; handOver: FulfilmentQueue['handOver'] }) {
  const submit = (e: Event) => {
    e.preventDefault();
    const code = formText(new FormData(e.currentTarget as HTMLFormElement), 'pickupCode');
    run(() => handOver(fo, code));
  };
  return (
    <form class="stack" onSubmit={submit}>
      <Field label={t('fulfilment.pickupCode')}>
        <input name="pickupCode" required inputMode="numeric" autocomplete="off" maxLength={20} />
      </Field>
      {fo.pickupAttempts > 0 && <p class="muted">{t('fulfilment.attempts', { count: fo.pickupAttempts })}</p>}
      <button type="submit" class="big" disabled={busy}>{t('fulfilment.handOver', { number: fo.number })}</button>
    </form>
  );
}

/** The location cannot fulfil it: why, how many units of each line are missing, and what to do with their stock record. */
function RejectForm({ fo, busy, run, reject }: { fo: FulfilmentOrder; busy: boolean; run: Run; reject: FulfilmentQueue['reject'] }) {
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const missing = fo.lines
      .map((l) => ({ lineId: l.lineId, quantity: Math.min(l.open, Number(formText(form, `missing-${l.lineId}`) || '0')) }))
      .filter((m) => m.quantity > 0);
    const disposition = formText(form, 'disposition') as Disposition;
    if (!confirm(t('common.confirm'))) return;
    run(() => reject(fo, formText(form, 'reason'), missing, disposition));
  };
  return (
    <details class="reject">
      <summary>{t('fulfilment.cannotFulfil')}</summary>
      <form class="stack" onSubmit={submit}>
        <Field label={t('fulfilment.rejectReason')}><input name="reason" required maxLength={500} /></Field>
        {fo.lines.filter((l) => l.open > 0).map((l) => (
          <Field key={l.lineId} label={t('fulfilment.missing', { sku: l.sku })}>
            <input name={`missing-${l.lineId}`} type="number" min={0} max={l.open} defaultValue={String(l.open)} inputMode="numeric" />
          </Field>
        ))}
        <fieldset>
          <legend>{t('fulfilment.dispositionLegend')}</legend>
          {(['write_off', 'quarantine', 'none'] as const).map((d) => (
            <label key={d} class="check big-check">
              <input type="radio" name="disposition" value={d} defaultChecked={d === 'write_off'} /> {t(`fulfilment.disposition.${d}`)}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="big danger" disabled={busy}>{t('fulfilment.reject', { number: fo.number })}</button>
      </form>
    </details>
  );
}

const stepLabel = { accept: 'fulfilment.accept', 'start-picking': 'fulfilment.startPicking', pack: 'fulfilment.pack', 'ready-for-pickup': 'fulfilment.readyForPickup' } as const;

/** One fulfilment order on a phone: what to pick, and the one next step as a big button (or the parcel or code form). */
export function FulfilmentCard({ fo, queue, carriers, canPrint }: { fo: FulfilmentOrder; queue: FulfilmentQueue; carriers: Carrier[]; canPrint: boolean }) {
  const lang = useLanguage();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run: Run = (work) => {
    setBusy(true);
    setError('');
    work().then(() => setBusy(false), (e: Error) => {
      setError(e.message);
      setBusy(false);
    });
  };
  const next = nextStep(fo);
  return (
    <li class="card" data-fulfilment={fo.number}>
      <h2>{fo.number} <FulfilmentBadge status={fo.status} /> <span class="badge">{fo.kind === 'pickup' ? t('fulfilment.pickup') : t('fulfilment.delivery')}</span></h2>
      <p class="muted">
        <a href={`#/orders/${fo.orderId}`}>{t('fulfilment.orderLink', { number: fo.orderNumber })}</a> · {when(fo.createdAt, lang)}
      </p>
      <ul class="pick-list" aria-label={t('fulfilment.pickList', { number: fo.number })}>
        {fo.lines.filter((l) => l.open > 0).map((l) => <li key={l.lineId}><strong>{l.open} ×</strong> {l.sku} <span class="muted">{l.name}</span></li>)}
      </ul>
      {next === 'ship' ? <ShipForm fo={fo} carriers={carriers} busy={busy} run={run} ship={queue.ship} />
        : next === 'hand-over' ? <HandOverForm fo={fo} busy={busy} run={run} handOver={queue.handOver} />
        : next ? <button type="button" class="big" disabled={busy} onClick={() => run(() => queue.step(fo, next))}>{t(stepLabel[next], { number: fo.number })}</button>
        : null}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row-actions">
        {canPrint && <a class="button-link" href={packingSlipUrl(fo)} target="_blank" rel="noopener">{t('fulfilment.packingSlip', { number: fo.number })}</a>}
      </div>
      {mayReject(fo) && <RejectForm fo={fo} busy={busy} run={run} reject={queue.reject} />}
    </li>
  );
}
