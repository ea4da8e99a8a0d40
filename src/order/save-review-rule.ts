/**
 * Review rules as data: list, create and change them. The rule engine (review.ts) evaluates whatever is stored, so
 * this is where a rule is checked to make sense — a condition that can never match would silently let orders through.
 */
import { sql, type Selectable } from 'kysely';
import { Type, type Static } from 'typebox';
import type { DbOrTrx, Trx } from '../db/database.js';
import { isPgError, pgCode } from '../db/pg-errors.js';
import type { ReviewRules } from '../db/types.js';
import type { CommandResult } from '../db/command.js';
import { Code, Id, Name, Timestamp } from '../http/schemas.js';
import { AppError, missingOrConflict, type FieldError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { RuleCondition, reviewFields, type ReviewField } from './review.js';

const Action = Type.Union([Type.Literal('hold'), Type.Literal('flag')]);
const ReasonCode = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'snake_case; what holds and flags carry, e.g. high_value' });

const editable = {
  code: Code,
  name: Name,
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'Lower runs first; default 100' })),
  enabled: Type.Optional(Type.Boolean({ description: 'Default false: a new rule does nothing until enabled' })),
  condition: RuleCondition,
  action: Action,
  reasonCode: ReasonCode,
};

export const ReviewRuleInput = Type.Object(editable, { additionalProperties: false });
export type ReviewRuleInput = Static<typeof ReviewRuleInput>;

export const ReviewRulePatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });
export type ReviewRulePatch = Static<typeof ReviewRulePatch>;

export const ReviewRuleView = Type.Object({
  id: Id,
  code: Type.String(),
  name: Type.String(),
  priority: Type.Integer(),
  enabled: Type.Boolean(),
  condition: RuleCondition,
  action: Action,
  reasonCode: Type.String(),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ReviewRuleView = Static<typeof ReviewRuleView>;

type RuleRow = Selectable<ReviewRules>;

const toView = (r: RuleRow): ReviewRuleView => ({
  id: r.id, code: r.code, name: r.name, priority: r.priority, enabled: r.enabled,
  condition: r.condition as RuleCondition, action: r.action as 'hold' | 'flag', reasonCode: r.reason_code,
  version: r.version, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

/** All rules in the order the engine applies them. A shop has tens of rules, not thousands: no paging. */
export async function listReviewRules(db: DbOrTrx): Promise<ReviewRuleView[]> {
  const rows = await db.selectFrom('review_rules').selectAll().orderBy('priority').orderBy('code').execute();
  return rows.map(toView);
}

/**
 * What the schema cannot see: each operator needs a value of the right kind for the field it tests. `gt` on a boolean
 * or `eq` with "100" on a number field would never match, and a rule that never matches is worse than no rule.
 */
export function conditionProblems(condition: RuleCondition, base = '/body/condition'): FieldError[] {
  const problems: FieldError[] = [];
  condition.conditions.forEach((c, i) => {
    const path = `${base}/conditions/${i}/value`;
    const kind = reviewFields[c.field as ReviewField];
    const value: unknown = c.value;
    const isKind = (v: unknown) => typeof v === kind;
    switch (c.operator) {
      case 'gt': case 'gte': case 'lt': case 'lte':
        if (kind !== 'number') problems.push({ path: `${base}/conditions/${i}/operator`, message: `${c.operator} compares numbers; ${c.field} is a ${kind}` });
        else if (typeof value !== 'number') problems.push({ path, message: 'must be a number' });
        break;
      case 'eq': case 'neq':
        if (!isKind(value)) problems.push({ path, message: `must be a ${kind}, as ${c.field} is` });
        break;
      case 'in': case 'not_in':
        if (!Array.isArray(value) || value.length === 0 || !value.every(isKind)) problems.push({ path, message: `must be a non-empty list of ${kind}s` });
        break;
      case 'contains':
        if (kind !== 'string') problems.push({ path: `${base}/conditions/${i}/operator`, message: `contains searches text; ${c.field} is a ${kind}` });
        else if (typeof value !== 'string' || value === '') problems.push({ path, message: 'must be some text' });
        break;
      case 'exists':
        if (value !== undefined && typeof value !== 'boolean') problems.push({ path, message: 'must be true or false, or left out (true)' });
        break;
    }
  });
  return problems;
}

function checkCondition(condition: RuleCondition | undefined): void {
  if (!condition) return;
  const errors = conditionProblems(condition);
  if (errors.length > 0) {
    throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
}

const duplicateCode = (code: string | undefined) =>
  new AppError('already_exists', `a review rule with code "${code}" already exists; change it with PATCH /v1/review-rules/{id}`);

export async function createReviewRule(trx: Trx, input: ReviewRuleInput): Promise<CommandResult<ReviewRuleView>> {
  checkCondition(input.condition);
  try {
    const row = await trx.insertInto('review_rules').values({
      id: newId(), code: input.code, name: input.name, priority: input.priority ?? 100, enabled: input.enabled ?? false,
      condition: JSON.stringify(input.condition), action: input.action, reason_code: input.reasonCode,
    }).returningAll().executeTakeFirstOrThrow();
    return { created: true, value: toView(row), audit: { action: 'review_rule.created', entityType: 'review_rule', entityId: row.id, details: { code: row.code } } };
  } catch (e) {
    if (isPgError(e, pgCode.uniqueViolation)) throw duplicateCode(input.code);
    throw e;
  }
}

export async function changeReviewRule(trx: Trx, id: string, patch: ReviewRulePatch, expectedVersion?: number): Promise<CommandResult<ReviewRuleView>> {
  checkCondition(patch.condition);
  let row: RuleRow | undefined;
  try {
    let q = trx.updateTable('review_rules').set({
      code: patch.code, name: patch.name, priority: patch.priority, enabled: patch.enabled,
      condition: patch.condition === undefined ? undefined : JSON.stringify(patch.condition),
      action: patch.action, reason_code: patch.reasonCode, version: sql`version + 1`, updated_at: sql`now()`,
    }).where('id', '=', id);
    if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
    row = await q.returningAll().executeTakeFirst();
  } catch (e) {
    if (isPgError(e, pgCode.uniqueViolation)) throw duplicateCode(patch.code);
    throw e;
  }
  if (!row) {
    const current = await trx.selectFrom('review_rules').select('version').where('id', '=', id).executeTakeFirst();
    throw missingOrConflict('review rule', id, current, expectedVersion);
  }
  return { created: false, value: toView(row), audit: { action: 'review_rule.updated', entityType: 'review_rule', entityId: id, details: { fields: Object.keys(patch) } } };
}
