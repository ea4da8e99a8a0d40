/**
 * What every module's event catalogue declares for each event type it writes to the outbox: the aggregate whose
 * change it reports, a sentence for docs/events.md, and the payload's TypeBox schema. The envelope (event id,
 * aggregate id and version, when it happened) is the same for every event: src/integration/event.ts.
 */
import type { TSchema } from 'typebox';

export interface EventDefinition {
  aggregate: string;
  description: string;
  payload: TSchema;
}
