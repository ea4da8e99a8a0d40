/** Sourcing's routes: an order's decisions with their explanation, rule sets per channel, what-if simulations. */
import { Type } from 'typebox';
import type { App } from '../http/app.js';
import type { Db } from '../db/database.js';
import type { RunCommand } from '../http/command.js';
import { IdParams } from '../http/schemas.js';
import { notFound } from '../shared/errors.js';
import { RuleSetInput, RuleSetView, ruleDescriptions, ruleNames } from './rules.js';
import { runSimulation } from './simulate.js';
import { OrderSourcing, SimulationRequest, SimulationResult } from './sourcing.js';
import { listDecisions } from './sourcing.repository.js';
import { ruleSetView, setRuleSet } from './set-rule-set.js';

const tags = ['sourcing'];
const ChannelParams = Type.Object({ channel: Type.String({ minLength: 1, maxLength: 64, description: 'Channel code or id' }) }, { additionalProperties: false });
const rulesDoc = ruleNames.map((r) => `\`${r}\`: ${ruleDescriptions[r]}`).join('; ');

export function registerSourcingRoutes(app: App, { db, run }: { db: Db; run: RunCommand }): void {
  app.get('/orders/:id/sourcing', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'Where an order\'s lines ship from, and why',
      description: 'Every sourcing decision of the order (at capture, when a line was added, when backordered lines got stock, when re-sourced), each with its explanation: the rule set, the destination as matched, every candidate location with its score per rule or why it was rejected, the fallbacks used, and the parcels.',
      params: IdParams, response: { 200: OrderSourcing },
    },
  }, async (request) => {
    const order = await db.selectFrom('orders').select('id').where('id', '=', request.params.id).executeTakeFirst();
    if (!order) throw notFound('order', request.params.id);
    return { orderId: order.id, decisions: await listDecisions(db, order.id) };
  });

  app.get('/channels/:channel/sourcing-rules', {
    config: { permission: 'channel:read' },
    schema: { tags, summary: 'The sourcing rule set a channel uses', description: `Rules: ${rulesDoc}.`, params: ChannelParams, response: { 200: RuleSetView } },
  }, async (request) => ruleSetView(db, request.params.channel));

  app.put('/channels/:channel/sourcing-rules', {
    config: { permission: 'channel:write' },
    schema: {
      tags, summary: 'Set the sourcing rule set of a channel',
      description: `Rules in order of precedence (ties go to the next rule, then priority, then location code): ${rulesDoc}. An unknown rule, a rule named twice or no rule is a 400.`,
      params: ChannelParams, body: RuleSetInput, response: { 200: RuleSetView },
    },
  }, (request, reply) => run(request, reply, (trx) => setRuleSet(trx, request.params.channel, request.body)));

  app.post('/sourcing/simulations', {
    config: { permission: 'order:read' },
    schema: {
      tags, summary: 'Run a rule set over past orders, changing nothing',
      description: 'Decides each order of the range with the proposed rule set and with its channel\'s rule set in force, against the units on hand now, and reports shipments per order, split rate, average distance, share of cross-region parcels and estimated shipping cost for both, with the orders whose decision would change.',
      body: SimulationRequest, response: { 200: SimulationResult },
    },
  }, async (request) => runSimulation(db, request.body));
}
