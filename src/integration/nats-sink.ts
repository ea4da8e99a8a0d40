/**
 * NATS JetStream as a sink: each event is published to `ordo.<type>` (`ordo.order.received`) on the ORDO stream with
 * the event id as `Nats-Msg-Id`, so JetStream drops a duplicate within its de-duplication window (two minutes by
 * default; consumers still de-duplicate by id). The connection is made in the background and re-made after a loss:
 * while NATS is down, publishing fails, the deliveries wait in the outbox and flow once it is back. Capture never
 * waits for NATS.
 */
import { connect, JSONCodec, type JetStreamClient, type NatsConnection } from 'nats';
import type { EventEnvelope } from './event.js';

export const STREAM = 'ORDO';
export const SUBJECT_PREFIX = 'ordo';

export interface NatsSink {
  publish(event: EventEnvelope): Promise<void>;
  /** Publishes all, in order, without waiting for each acknowledgement: one error (or null) per event. */
  publishAll(events: readonly EventEnvelope[]): Promise<(string | null)[]>;
  close(): Promise<void>;
}

/** `stream` and `subjectPrefix` default to ORDO and `ordo`; tests use their own so runs never share a stream. */
export function natsSink(servers: string, opts: { timeoutMs?: number; stream?: string; subjectPrefix?: string } = {}): NatsSink {
  const codec = JSONCodec();
  const timeout = opts.timeoutMs ?? 5_000;
  const stream = opts.stream ?? STREAM;
  const prefix = opts.subjectPrefix ?? SUBJECT_PREFIX;
  let connecting: Promise<{ nc: NatsConnection; js: JetStreamClient }> | null = null;
  let closed = false;

  const open = async () => {
    // noAsyncTraces: without it, every publish captures two stack traces up front (for a timeout's error message),
    // 40 % of the client's CPU per publish; a timeout still fails the publish, with a shorter stack.
    const nc = await connect({ servers, timeout, reconnect: true, maxReconnectAttempts: -1, name: 'ordo-relay', noAsyncTraces: true });
    // Once the client gives up on a connection, the next publish makes a new one.
    void nc.closed().then(() => { connecting = null; });
    const jsm = await nc.jetstreamManager({ timeout });
    await jsm.streams.info(stream).catch(async () => jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] }));
    return { nc, js: nc.jetstream({ timeout }) };
  };
  const connection = () => {
    if (closed) return Promise.reject(new Error('the NATS sink is closed'));
    connecting ??= open().catch((e: unknown) => { connecting = null; throw e; });
    return connecting;
  };

  return {
    async publish(event) {
      const { js } = await connection();
      await js.publish(`${prefix}.${event.type}`, codec.encode(event), { msgID: event.id, timeout });
    },
    async publishAll(events) {
      let js: JetStreamClient;
      try {
        ({ js } = await connection());
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        return events.map(() => error);
      }
      // Each publish writes to the connection before its first await: the stream stores them in this order.
      const acks = await Promise.allSettled(events.map((event) => js.publish(`${prefix}.${event.type}`, codec.encode(event), { msgID: event.id, timeout })));
      return acks.map((a) => (a.status === 'fulfilled' ? null : a.reason instanceof Error ? a.reason.message : String(a.reason)));
    },
    async close() {
      closed = true;
      const c = await connecting?.catch(() => null);
      await c?.nc.drain().catch(() => undefined);
    },
  };
}
