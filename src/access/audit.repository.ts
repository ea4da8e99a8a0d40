import type { DbOrTrx, Trx } from '../db/database.js';

export interface AuditEntry {
  actorId: string | null;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string | null;
  requestId: string | null;
  details?: Record<string, unknown>;
}

/** Written in the transaction of the change it records, so the log can never claim a change that did not happen. */
export async function writeAudit(trx: Trx, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      actor_id: entry.actorId,
      actor_name: entry.actorName,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      request_id: entry.requestId,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  /** Newest first: rows with an id below this. */
  beforeId?: number;
  limit: number;
}

export async function listAudit(db: DbOrTrx, f: AuditFilter) {
  let q = db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor_id as actorId', 'actor_name as actorName', 'action', 'entity_type as entityType',
      'entity_id as entityId', 'request_id as requestId', 'details'])
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.actorId) q = q.where('actor_id', '=', f.actorId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.execute();
}
