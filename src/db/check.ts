/**
 * One invariant `ordo check` verifies (src/check.ts runs them). In a file of its own so that the modules that
 * declare checks do not import the runner that imports them.
 */
import type { Db } from './database.js';

export interface Check {
  name: string;
  /** Runs inside the check's read-only transaction (a `Trx`, typed as `Db` so repository reads accept it). */
  run(db: Db): Promise<string[]>;
  /**
   * The check looks rows up one by one (through functions with keyed plans) rather than comparing whole tables:
   * leave nested loops enabled for it.
   */
  keyedLookups?: boolean;
}
