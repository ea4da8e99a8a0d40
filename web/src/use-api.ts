import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** The order, payment, fulfilment and shipment events the screens show (docs/events.md): any of them reloads what is live. */
const orderEvents = [
  'received', 'held', 'confirmed', 'allocated', 'released_to_fulfillment', 'partially_shipped', 'shipped', 'delivered',
  'completed', 'cancelled', 'changed', 'hold_placed', 'hold_released', 'hold_rejected', 'lines_cancelled',
  'units_released', 'shipment_created', 'split', 'merged',
].map((e) => `order.${e}`).concat(
  ['requested', 'changed', 'accepted', 'picking_started', 'packed', 'ready_for_pickup', 'picked_up', 'shipped', 'rejected', 'cancelled'].map((e) => `fulfillment.${e}`),
  ['created', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'].map((e) => `shipment.${e}`),
  // Money that moved (the order page's payments and refunds).
  ['authorization', 'capture', 'void', 'refund', 'chargeback'].flatMap((k) => [`order.payment_${k}`, `order.payment_${k}_failed`]),
  ['order.payment_transfer_in', 'order.payment_transfer_out'],
);

const listeners = new Set<() => void>();
let stream: EventSource | null = null;
let streamDown = false;
let pending: ReturnType<typeof setTimeout> | null = null;

/**
 * One live stream per page (GET /v1/events/stream, the session cookie, resumed with Last-Event-ID by EventSource
 * itself when the server ends it): each order event reloads every live view, at most every 300 ms. If the stream
 * cannot be had (the role may not read events, or it failed for good), live views fall back to their timer.
 */
function follow(listener: () => void): () => void {
  listeners.add(listener);
  if (!stream && !streamDown && typeof EventSource !== 'undefined') {
    stream = new EventSource('/v1/events/stream');
    const changed = () => {
      pending ??= setTimeout(() => {
        pending = null;
        for (const l of listeners) l();
      }, 300);
    };
    for (const type of orderEvents) stream.addEventListener(type, changed);
    stream.onerror = () => {
      if (stream?.readyState === EventSource.CLOSED) {
        streamDown = true;
        stream = null;
      }
    };
  }
  return () => {
    listeners.delete(listener);
  };
}

/** Whether live views are following the event stream (else they poll). */
export const streaming = (): boolean => stream !== null && !streamDown;

/**
 * A GET of the API, loaded again when `path` changes or on `reload()`. With `liveMs` it is live: reloaded on each
 * order event of the server's stream, and on a timer of `liveMs` only while the stream cannot be had.
 */
export function useApi<T>(path: string | null, liveMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>('GET', path).then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => { live = false; };
  }, [path, tick]);
  useEffect(() => {
    if (!liveMs) return;
    const unfollow = follow(reload);
    const timer = setInterval(() => {
      if (!streaming()) reload();
    }, liveMs);
    return () => {
      unfollow();
      clearInterval(timer);
    };
  }, [liveMs, reload]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
