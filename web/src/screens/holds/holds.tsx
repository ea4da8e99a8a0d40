import { when } from '../../api.js';
import { Load } from '../../components.js';
import { t, useLanguage } from '../../i18n.js';
import type { Order, Page } from '../../types.js';
import { useApi } from '../../use-api.js';
import { HoldDecision } from '../order/order.js';

/** The review queue: orders on hold with their open holds, each released or rejected here. */
export function HoldsPage() {
  const lang = useLanguage();
  const orders = useApi<Page<Order>>('/orders?status=on_hold&sort=placedAt&limit=50', 15_000);
  return (
    <section>
      <h1>{t('holds.title')}</h1>
      <p class="muted">{t('holds.help')}</p>
      <Load state={orders} empty={(p) => p.data.length === 0}>
        {(p) => (
          <ul class="queue">
            {p.data.map((o) => (
              <li key={o.id} data-order={o.number}>
                <a href={`#/orders/${o.id}`}>{o.number}</a> · {o.channel} · {o.customer.name} · {when(o.placedAt, lang)}
                {o.holds.filter((h) => h.status === 'open').map((h) => (
                  <div key={h.id} class="hold">
                    <span>{t('hold.reason')}: <strong>{h.reasonCode}</strong>{h.note ? ` — ${h.note}` : ''}</span>
                    <HoldDecision orderId={o.id} hold={h} onDone={orders.reload} />
                  </div>
                ))}
              </li>
            ))}
          </ul>
        )}
      </Load>
    </section>
  );
}
