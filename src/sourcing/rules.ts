/** Sourcing rule sets: which rules rank the candidate locations, in order, and whether a line may be split. */
import { Type, type Static } from 'typebox';
import { AppError } from '../shared/errors.js';

export const ruleNames = ['fewest_shipments', 'same_region', 'nearest', 'lowest_cost', 'stock_balance', 'priority'] as const;
export type RuleName = (typeof ruleNames)[number];

/** The rules that need to know where the order goes (skipped when its address matched nothing). */
export const geoRules: readonly RuleName[] = ['same_region', 'nearest', 'lowest_cost'];

export const ruleDescriptions: Record<RuleName, string> = {
  fewest_shipments: 'the location covering the most of what is left whole (one parcel for everything first)',
  same_region: 'a location in the destination\'s province or state (else country) first',
  nearest: 'the shortest great-circle distance to the destination',
  lowest_cost: 'the lowest estimated shipping cost (from distance until rate tables are wired in)',
  stock_balance: 'the location with the most weeks of supply of the order\'s SKUs (on hand ÷ recent demand; free units without demand history)',
  priority: 'the location\'s priority (lower first)',
};

export interface RuleSet {
  rules: RuleName[];
  /** A line no one location covers may be served from several. */
  splitLines: boolean;
}

/** Today's behaviour: one covering location by priority, else the fewest locations. */
export const defaultRuleSet: RuleSet = { rules: ['fewest_shipments', 'priority'], splitLines: false };

export const RuleSetInput = Type.Object({
  rules: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    maxItems: 12, description: `Rules in order of precedence, from: ${ruleNames.join(', ')}`,
  }),
  splitLines: Type.Optional(Type.Boolean({ description: 'Split a line over several locations when no single one covers it (default false)' })),
}, { additionalProperties: false });
export type RuleSetInput = Static<typeof RuleSetInput>;

export const RuleSetView = Type.Object({
  channel: Type.String(),
  rules: Type.Array(Type.String()),
  splitLines: Type.Boolean(),
  source: Type.Union([Type.Literal('channel'), Type.Literal('default')], { description: 'default: the channel has no rule set of its own' }),
  version: Type.Integer(),
});
export type RuleSetView = Static<typeof RuleSetView>;

/** A rule set as given, checked: every rule known, at least one, none twice; a 400 naming what to fix. */
export function checkRuleSet(input: RuleSetInput, path = '/body'): RuleSet {
  const errors = input.rules.flatMap((r, i) => ((ruleNames as readonly string[]).includes(r) ? []
    : [{ path: `${path}/rules/${i}`, message: `unknown rule "${r}"; known rules: ${ruleNames.join(', ')}` }]));
  const seen = new Set<string>();
  input.rules.forEach((r, i) => {
    if (seen.has(r)) errors.push({ path: `${path}/rules/${i}`, message: `rule "${r}" named twice` });
    seen.add(r);
  });
  if (input.rules.length === 0) errors.push({ path: `${path}/rules`, message: `a rule set needs at least one ranking rule, e.g. ${defaultRuleSet.rules.join(', ')}` });
  if (errors.length > 0) throw new AppError('validation_failed', `the rule set is not valid: ${errors.map((e) => e.message).join('; ')}`, { errors });
  return { rules: input.rules as RuleName[], splitLines: input.splitLines ?? false };
}
