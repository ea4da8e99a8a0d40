/** Setting a channel's sourcing rule set: checked (known rules, at least one), then stored; capture uses it at once. */
import type { CommandResult } from '../db/command.js';
import type { DbOrTrx, Trx } from '../db/database.js';
import { splitRefs } from '../db/refs.js';
import { notFound } from '../shared/errors.js';
import { checkRuleSet, type RuleSetInput, type RuleSetView } from './rules.js';
import { readRuleSet, writeRuleSet } from './sourcing.repository.js';

export async function findChannelRef(db: DbOrTrx, ref: string): Promise<{ id: string; code: string }> {
  const refs = splitRefs([ref]);
  const row = await db.selectFrom('channels').select(['id', 'code'])
    .where((eb) => eb.or([eb('code', 'in', refs.codes.length ? refs.codes : ['']), eb('id', 'in', refs.ids.length ? refs.ids : ['00000000-0000-0000-0000-000000000000'])]))
    .executeTakeFirst();
  if (!row) throw notFound('channel', ref);
  return row;
}

export async function ruleSetView(db: DbOrTrx, ref: string): Promise<RuleSetView> {
  const channel = await findChannelRef(db, ref);
  const { ruleSet, source, version } = await readRuleSet(db, channel.id);
  return { channel: channel.code, rules: ruleSet.rules, splitLines: ruleSet.splitLines, source, version };
}

export async function setRuleSet(trx: Trx, ref: string, input: RuleSetInput): Promise<CommandResult<RuleSetView>> {
  const ruleSet = checkRuleSet(input);
  const channel = await findChannelRef(trx, ref);
  const version = await writeRuleSet(trx, channel.id, ruleSet);
  return {
    created: false,
    value: { channel: channel.code, rules: ruleSet.rules, splitLines: ruleSet.splitLines, source: 'channel', version },
    audit: { action: 'sourcing.rules_set', entityType: 'channel', entityId: channel.id, details: { rules: ruleSet.rules, splitLines: ruleSet.splitLines } },
  };
}
