import { t } from '../../i18n.js';

/** The rules the sourcing engine knows (docs/sourcing.md), in the order offered. */
export const ruleNames = ['fewest_shipments', 'same_region', 'nearest', 'lowest_cost', 'stock_balance', 'priority'] as const;
export type RuleName = (typeof ruleNames)[number];
export interface RuleSet { rules: string[]; splitLines: boolean }

export const isRule = (r: string): r is RuleName => (ruleNames as readonly string[]).includes(r);
export const ruleLabel = (r: string): string => (isRule(r) ? t(`settings.rule.${r}`) : r);
