/** POST /track/{token}/returns: a return asked for by the customer from the tracking page (customer-return.ts). */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { problemResponse } from '../http/openapi.js';
import { lockOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { CustomerReturnRequest, proveCustomer } from './customer-return.js';
import { requestReturn } from './request-return.js';
import { Return } from './returns.js';

export function registerCustomerReturnRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  app.post('/track/:token/returns', {
    config: { public: true },
    schema: {
      tags: ['tracking'],
      summary: 'Ask for a return from the tracking page (public: the tracking token plus the order\'s e-mail or phone)',
      description: 'Proof: the token of the order\'s tracking link and the e-mail address or phone number the order was placed with. After 5 wrong proofs for a token (or 30 from one address) within 15 minutes, a 429 with Retry-After. The caller acts as `customer of order <number>` (its own Idempotency-Keys and audit rows). Items are named by SKU, as the tracking page lists them.',
      params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      body: CustomerReturnRequest,
      response: {
        201: Return,
        403: problemResponse('The tracking link and the e-mail or phone do not match an order (`forbidden`)'),
        409: problemResponse('More than was shipped and not yet returned, after the window, or not returnable, with the numbers'),
        429: problemResponse('Too many wrong proofs lately (`rate_limited`); `retryAfterSeconds` says when to try again'),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (body.email === undefined && body.phone === undefined) {
      throw new AppError('validation_failed', 'send the e-mail address or the phone number the order was placed with', { errors: [{ path: '/body/email', message: 'email or phone is required' }] });
    }
    let proven;
    try {
      proven = await proveCustomer(db, request.params.token, body, request.ip);
    } catch (e) {
      if (e instanceof AppError && e.code === 'rate_limited') reply.header('retry-after', String(e.extra.retryAfterSeconds));
      throw e;
    }
    request.principal = { ...proven.principal, role: 'viewer' };
    return run(request, reply, async (trx, ctx) => {
      // SKUs to lines: each item takes units of the order's lines with that SKU, in line order.
      const order = await lockOrder(trx, proven.orderId);
      const lines: { lineId: string; quantity: number }[] = [];
      for (const item of body.items) {
        const candidates = order.lines.filter((l) => l.sku === item.sku);
        if (candidates.length === 0) throw new AppError('not_found', `order ${order.number} has no item ${item.sku}`, { entity: 'item', id: item.sku });
        let left = item.quantity;
        for (const l of candidates) {
          const take = Math.min(left, Math.max(0, l.shipped - l.returned));
          if (take > 0) lines.push({ lineId: l.id, quantity: take });
          left -= take;
        }
        // More than shipped: let the rule answer with its numbers (on the first line with the SKU).
        if (left > 0) lines.push({ lineId: candidates[0]!.id, quantity: left });
      }
      const merged = [...lines.reduce((m, l) => m.set(l.lineId, (m.get(l.lineId) ?? 0) + l.quantity), new Map<string, number>())]
        .map(([lineId, quantity]) => ({ lineId, quantity }));
      return requestReturn(trx, { order: order.id, reasonCode: body.reasonCode, note: body.note, lines: merged }, ctx);
    });
  });
}
