import { CreateSessionCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Scenario } from './scenario.js';
import { wrkCases } from './wrk-case.js';

/**
 * CreateSession is `GET /<bucket>?session`, IAM-signed. Zonal accepts it presigned, and every
 * request makes a new session (tokens are stateless), so wrk can replay one presigned URL:
 * each request pays the full IAM SigV4 verification, the policy check and the token sealing.
 */
export const createSessionScenario: Scenario = {
  id: 'create-session',
  description:
    'CreateSession per second (one IAM-presigned URL replayed by wrk), c16; no reference (s3rver has no sessions)',
  needs: { wrk: true },
  async run(ctx) {
    const zonal = await ctx.zonalTarget();
    const url = new URL(
      await getSignedUrl(zonal.control, new CreateSessionCommand({ Bucket: zonal.bucket }), {
        expiresIn: 3 * 3600,
      }),
    );
    return wrkCases(
      ctx,
      { scenario: 'create-session', title: 'CreateSession', note: 'a new session per request' },
      [
        {
          system: 'zonal',
          endpoint: zonal.server.endpoint,
          method: 'GET',
          paths: [url.pathname + url.search],
          checkBody: (b) =>
            b.includes('<SessionToken>') ? undefined : `no SessionToken in ${b.toString().slice(0, 200)}`,
        },
      ],
      ctx.concurrencies([16]),
    );
  },
};
