/** The configured providers (payment_providers) as adapters. */
import type { DbOrTrx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import type { Provider } from './payment.js';
import { findProvider } from './payment.repository.js';
import { httpProvider, offlineProvider, ProviderUnavailable, type PaymentProvider } from './provider.js';
import { testProvider } from './test-provider.js';

/** Authorisations taken by the sales channel before the order reached Ordo (migration 0018) are recorded as 'channel'. */
export const CHANNEL_PROVIDER = 'channel';

export function adapterOf(db: DbOrTrx, p: Provider): PaymentProvider {
  if (p.kind === 'http' && p.baseUrl) return httpProvider(p.code, p.baseUrl, p.timeoutMs);
  // Only a provider created explicitly with kind test (and its settings) answers as told; never a fallback.
  if (p.kind === 'test' && p.test) return testProvider(db, p.code, p.test, p.timeoutMs);
  return offlineProvider(p.code);
}

/** The adapter for a row's provider; one that is gone or inactive answers like a provider that is down. */
export async function providerFor(db: DbOrTrx, code: string): Promise<PaymentProvider> {
  if (code === CHANNEL_PROVIDER) return offlineProvider(code);
  const p = await findProvider(db, code);
  if (!p || !p.active) {
    const down = () => Promise.reject(new ProviderUnavailable(code, p ? 'the provider is inactive' : 'no such provider'));
    return { code, call: down, lookup: down };
  }
  return adapterOf(db, p);
}

/** The provider a new movement goes to, checked before anything is written. */
export async function requireProvider(db: DbOrTrx, code: string): Promise<Provider> {
  const p = await findProvider(db, code);
  if (!p) throw new AppError('invalid_state', `the channel's payment provider "${code}" does not exist; set it with PUT /v1/payment-providers/${code} or change the channel's payment policy`);
  if (!p.active) throw new AppError('invalid_state', `the payment provider ${code} is inactive; activate it or change the channel's payment policy`);
  return p;
}
