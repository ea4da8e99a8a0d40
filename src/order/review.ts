/**
 * Review (order audit) rules: data, not code. A rule is a condition over the facts of an order — all or any of
 * (field, operator, value) — and an action: hold the order with a reason code, or flag it. Evaluation is pure.
 */
import { Type, type Static } from 'typebox';

export const reviewFields = {
  'order.totalMinor': 'number',
  'order.subtotalMinor': 'number',
  'order.currency': 'string',
  'order.lineCount': 'number',
  'order.totalUnits': 'number',
  'order.maxUnitsPerSku': 'number',
  'order.hasRemark': 'boolean',
  'order.buyerRemark': 'string',
  'order.deliveryMethod': 'string',
  'order.channel': 'string',
  'order.shippingCountry': 'string',
  'order.isB2b': 'boolean',
  'address.valid': 'boolean',
  'payment.authorized': 'boolean',
  'payment.method': 'string',
  'customer.blocked': 'boolean',
  'customer.email': 'string',
  'customer.isNew': 'boolean',
  /** Minutes since the same customer placed an order with the same items (null when none in the last day). */
  'duplicate.minutesSinceIdentical': 'number',
} as const;
export type ReviewField = keyof typeof reviewFields;
export type ReviewFacts = { [F in ReviewField]: (typeof reviewFields)[F] extends 'number' ? number | null : (typeof reviewFields)[F] extends 'boolean' ? boolean : string | null };

export const operators = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'exists'] as const;

const Scalar = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
export const Condition = Type.Object({
  field: Type.Union(Object.keys(reviewFields).map((f) => Type.Literal(f)) as [ReturnType<typeof Type.Literal>]),
  operator: Type.Union(operators.map((o) => Type.Literal(o)) as [ReturnType<typeof Type.Literal>]),
  value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { maxItems: 500 })])),
}, { additionalProperties: false });
export const RuleCondition = Type.Object({
  match: Type.Union([Type.Literal('all'), Type.Literal('any')]),
  conditions: Type.Array(Condition, { minItems: 1, maxItems: 20 }),
}, { additionalProperties: false });
export type RuleCondition = Static<typeof RuleCondition>;

export interface ReviewRule {
  id: string;
  code: string;
  name: string;
  priority: number;
  enabled: boolean;
  condition: { match: 'all' | 'any'; conditions: { field: string; operator: string; value?: unknown }[] };
  action: 'hold' | 'flag';
  reasonCode: string;
}

export interface ReviewOutcome {
  holds: { ruleId: string; reasonCode: string; rule: string }[];
  flags: { ruleId: string; reasonCode: string; rule: string }[];
}

function test(fact: unknown, operator: string, value: unknown): boolean {
  switch (operator) {
    case 'exists': return (fact !== null && fact !== undefined && fact !== '') === (value ?? true);
    case 'eq': return fact === value;
    case 'neq': return fact !== value;
    case 'gt': return typeof fact === 'number' && typeof value === 'number' && fact > value;
    case 'gte': return typeof fact === 'number' && typeof value === 'number' && fact >= value;
    case 'lt': return typeof fact === 'number' && typeof value === 'number' && fact < value;
    case 'lte': return typeof fact === 'number' && typeof value === 'number' && fact <= value;
    case 'in': return Array.isArray(value) && value.includes(fact);
    case 'not_in': return Array.isArray(value) && !value.includes(fact);
    case 'contains': return typeof fact === 'string' && typeof value === 'string' && fact.toLowerCase().includes(value.toLowerCase());
    default: return false;
  }
}

/** Applies the enabled rules in priority order (lower first); every matching rule adds its hold or flag. */
export function review(rules: readonly ReviewRule[], facts: ReviewFacts): ReviewOutcome {
  const outcome: ReviewOutcome = { holds: [], flags: [] };
  const ordered = [...rules].filter((r) => r.enabled).sort((a, b) => a.priority - b.priority || a.code.localeCompare(b.code));
  for (const rule of ordered) {
    const results = rule.condition.conditions.map((c) => test(facts[c.field as ReviewField], c.operator, c.value));
    const matched = rule.condition.match === 'all' ? results.every(Boolean) : results.some(Boolean);
    if (!matched) continue;
    const entry = { ruleId: rule.id, reasonCode: rule.reasonCode, rule: rule.code };
    if (rule.action === 'hold') {
      if (!outcome.holds.some((h) => h.reasonCode === entry.reasonCode)) outcome.holds.push(entry);
    } else if (!outcome.flags.some((f) => f.reasonCode === entry.reasonCode)) outcome.flags.push(entry);
  }
  return outcome;
}

/** The rules Ordo ships with, disabled until someone enables them (PATCH /v1/review-rules/{id}). */
export const defaultRules: Omit<ReviewRule, 'id' | 'enabled'>[] = [
  { code: 'invalid-address', name: 'Incomplete or invalid shipping address', priority: 10, action: 'hold', reasonCode: 'invalid_address',
    condition: { match: 'all', conditions: [{ field: 'address.valid', operator: 'eq', value: false }] } },
  { code: 'blocked-customer', name: 'Customer on the block list', priority: 20, action: 'hold', reasonCode: 'blocked_customer',
    condition: { match: 'all', conditions: [{ field: 'customer.blocked', operator: 'eq', value: true }] } },
  { code: 'payment-not-authorised', name: 'Payment not authorised for the order total', priority: 30, action: 'hold', reasonCode: 'payment_not_authorized',
    condition: { match: 'all', conditions: [{ field: 'payment.authorized', operator: 'eq', value: false }, { field: 'order.isB2b', operator: 'eq', value: false }] } },
  { code: 'high-value', name: 'Order value over 1,000.00', priority: 40, action: 'hold', reasonCode: 'high_value',
    condition: { match: 'all', conditions: [{ field: 'order.totalMinor', operator: 'gt', value: 100_000 }] } },
  { code: 'unusual-quantity', name: 'More than 10 units of one SKU', priority: 50, action: 'hold', reasonCode: 'unusual_quantity',
    condition: { match: 'all', conditions: [{ field: 'order.maxUnitsPerSku', operator: 'gt', value: 10 }] } },
  { code: 'likely-duplicate', name: 'Same customer and items within 10 minutes', priority: 60, action: 'hold', reasonCode: 'likely_duplicate',
    condition: { match: 'all', conditions: [{ field: 'duplicate.minutesSinceIdentical', operator: 'lte', value: 10 }] } },
  { code: 'buyer-remark', name: 'Buyer left a remark', priority: 70, action: 'flag', reasonCode: 'buyer_remark',
    condition: { match: 'all', conditions: [{ field: 'order.hasRemark', operator: 'eq', value: true }] } },
];

const postalCodes: Record<string, RegExp> = {
  DE: /^\d{5}$/, AT: /^\d{4}$/, CH: /^\d{4}$/, FR: /^\d{5}$/, IT: /^\d{5}$/, ES: /^\d{5}$/, NL: /^\d{4} ?[A-Z]{2}$/i,
  US: /^\d{5}(-\d{4})?$/, GB: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i, PL: /^\d{2}-\d{3}$/, DK: /^\d{4}$/, BE: /^\d{4}$/,
};
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** Whether an address is complete enough to ship to: what is missing or wrong, empty when fine. */
export function addressProblems(address: { name?: string; line1?: string; city?: string; postalCode?: string; country?: string } | null | undefined): string[] {
  if (!address) return ['no shipping address'];
  const problems: string[] = [];
  for (const field of ['name', 'line1', 'city', 'postalCode', 'country'] as const) {
    if (!address[field]?.trim()) problems.push(`${field} is missing`);
  }
  const country = address.country ?? '';
  if (country && regionNames.of(country) === country) problems.push(`country "${country}" is not an ISO 3166 code`);
  const pattern = postalCodes[country];
  if (pattern && address.postalCode && !pattern.test(address.postalCode.trim())) problems.push(`postal code "${address.postalCode}" is not valid for ${country}`);
  return problems;
}
