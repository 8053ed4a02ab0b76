import { createSessionArm } from './arms.js';
import type { Scenario } from './scenario.js';
import { wrkCases } from './wrk-case.js';

/** CreateSession per second: one IAM-presigned URL replayed by wrk (see createSessionArm). */
export const createSessionScenario: Scenario = {
  id: 'create-session',
  description:
    'CreateSession per second (one IAM-presigned URL replayed by wrk), c16; no reference (s3rver has no sessions)',
  needs: { wrk: true },
  async run(ctx) {
    return wrkCases(
      ctx,
      { scenario: 'create-session', title: 'CreateSession', note: 'a new session per request' },
      [await createSessionArm('zonal', await ctx.zonalTarget())],
      ctx.concurrencies([16]),
    );
  },
};
