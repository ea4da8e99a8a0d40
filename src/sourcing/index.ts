/** The sourcing module's front door: where each order line ships from, and why (docs/sourcing.md). */
export { candidatesFrom, distanceCost, source, sourcePool, DEMAND_DAYS, type Supply, type StockRow, type Candidate, type CostFunction, type Decision, type Delivery, type Explanation, type LineNeed, type Site, type SourceOptions } from './engine.js';
export { type StoredExplanation } from './stored-explanation.js';
export { StockIndex } from './stock-index.js';
export { freeOf, poolFromRows, type Pool } from './pool.js';
export { distanceKm, locate, type Locatable, type Place } from './regions.js';
export { checkRuleSet, defaultRuleSet, ruleNames, type RuleName, type RuleSet } from './rules.js';
export {
  decisionCteNames, decisionCtes, listDecisions, placeOf, readRuleSet, readSites, ruleSetOf, ruleSetsJson, siteJson, sitesFrom, writeDecision,
  type DecisionTrigger, type DecisionWrite, type RuleSetFact, type SiteFact,
} from './sourcing.repository.js';
export { sourcingChecks } from './check.js';
export { registerSourcingRoutes } from './sourcing.routes.js';
export { setRuleSet } from './set-rule-set.js';
export { simulate, runSimulation, type PastOrder } from './simulate.js';
export { readSupply, refreshDemand, supplyFrom, supplyJson, type SupplyFact } from './demand.repository.js';
