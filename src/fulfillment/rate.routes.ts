/** Rate shopping: every service's price and transit for a shipment, and the one chosen. */
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import { problemResponse } from '../http/openapi.js';
import { systemClock } from '../shared/clock.js';
import { Quote, QuoteInput } from './quote.js';
import { quoteRates } from './quote-rates.js';

export function registerRateRoutes(app: App, { db }: { db: Db }): void {
  app.post('/rates/quote', {
    config: { permission: 'carrier:read' },
    schema: {
      tags: ['fulfillment'],
      summary: 'Quote every service for parcels or SKU lines, and choose: the cheapest that delivers by `deliverBy`, or the fastest',
      body: QuoteInput,
      response: { 200: Quote, 404: problemResponse('An unknown origin location, SKU or carrier in the body (`not_found`; `entity` and `id` name it)') },
    },
  }, async (request) => quoteRates(db, request.body, systemClock.now()));
}
