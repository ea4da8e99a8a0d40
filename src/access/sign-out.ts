import type { Trx } from '../db/database.js';
import { writeAudit } from './audit.repository.js';
import type { UserSession } from './session.js';
import { revokeSession } from './user.repository.js';

/** Ends a session: its cookie no longer works, from this request on. */
export async function signOut(trx: Trx, session: UserSession, requestId: string): Promise<void> {
  await revokeSession(trx, session.sessionId);
  await writeAudit(trx, {
    actorId: session.user.id, actorName: session.principal.name, action: 'user.signed_out', entityType: 'user',
    entityId: session.user.id, requestId, details: { sessionId: session.sessionId },
  });
}
