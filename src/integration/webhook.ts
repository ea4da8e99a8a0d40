/** Webhook subscriptions: where events go, which ones (with wildcards), and the secret their signatures use. */
import { randomBytes } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from '../http/schemas.js';
import { invalidField } from '../shared/errors.js';
import { eventTypes } from './event.js';
import { isPublicAddress } from './webhook-delivery.js';
import ipaddr from 'ipaddr.js';

export const EventTypePattern = Type.String({
  minLength: 1, maxLength: 100,
  description: 'An event type (`order.shipped`), a module\'s events (`order.*`) or every event (`*`).',
});

export const WebhookSubscriptionInput = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s) URL the events are POSTed to; redirects are not followed.' }),
  eventTypes: Type.Array(EventTypePattern, { minItems: 1, maxItems: 100 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
}, { additionalProperties: false });
export type WebhookSubscriptionInput = Static<typeof WebhookSubscriptionInput>;

export const WebhookSubscriptionPatch = Type.Object({
  url: Type.Optional(WebhookSubscriptionInput.properties.url),
  eventTypes: Type.Optional(WebhookSubscriptionInput.properties.eventTypes),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')], {
    description: '`active` re-enables a disabled endpoint (its waiting deliveries are sent again); `disabled` pauses one by hand: nothing is sent until it is re-enabled, then everything since, in order.',
  })),
  disabledReason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Why it was paused (with `status: "disabled"`)' })),
}, { additionalProperties: false, minProperties: 1 });
export type WebhookSubscriptionPatch = Static<typeof WebhookSubscriptionPatch>;

export const WebhookSubscription = Type.Object({
  id: Id,
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  disabledReason: Nullable(Type.String()),
  disabledAt: Nullable(Timestamp),
  secret: Type.Optional(Type.String({ description: 'Only in the answer that creates or rotates it: the signing secret (`whsec_…`), for any Standard Webhooks library.' })),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}, { $id: 'WebhookSubscription', additionalProperties: false });
export type WebhookSubscription = Static<typeof WebhookSubscription>;

export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The patterns are known event types, a known module's `prefix.*`, or `*`: a typo would silently match nothing. */
export function checkEventTypes(patterns: readonly string[], path = '/body/eventTypes'): void {
  const modules = new Set(eventTypes.map((t) => t.split('.')[0]));
  patterns.forEach((p, i) => {
    const ok = p === '*' || eventTypes.includes(p) || (p.endsWith('.*') && modules.has(p.slice(0, -2)));
    if (!ok) throw invalidField(`${path}/${i}`, `unknown event type "${p}": use one of docs/events.md, a module's "${[...modules].join('.*", "')}.*", or "*"`);
  });
}

/** An http(s) URL, and not to a private or loopback address unless allowed (checked again at delivery, after DNS). */
export function checkUrl(url: string, allowPrivate: boolean, path = '/body/url'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidField(path, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidField(path, 'must be an http or https URL');
  if (parsed.username || parsed.password) throw invalidField(path, 'must not carry credentials; verify deliveries by their signature');
  if (allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (ipaddr.isValid(host) && !isPublicAddress(host))) {
    throw invalidField(path, `${host} is a private or loopback address; webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE_ADDRESSES=on allows it, for development)`);
  }
}
