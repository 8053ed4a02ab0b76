import type { BenchContext } from '../lib/context.js';
import type { CaseResult } from '../lib/results.js';

/** A group of cases run together; its id is what --only selects. */
export interface Scenario {
  id: string;
  /** One line for --list and the README. */
  description: string;
  /** External tools the scenario may use (installed when missing). */
  needs: { wrk?: boolean; nginx?: boolean; s3rver?: boolean };
  run(ctx: BenchContext): Promise<CaseResult[]>;
}
