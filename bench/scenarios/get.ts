import { getKeys, SIZE_LABEL, type SizeName } from '../lib/datasets.js';
import { bareNodeGetArm, bareNodeSigV4GetArm, nginxGetArm, s3GetArm } from './arms.js';
import { BARE_NODE, BARE_NODE_SIGV4 } from '../lib/targets.js';
import type { Scenario } from './scenario.js';
import { wrkCases, type Arm } from './wrk-case.js';

/**
 * GET of one size: Zonal (session-presigned) vs nginx static files vs s3rver (SigV4-presigned)
 * vs a bare Node HTTP server answering from memory (the ceiling of any Node server here), and
 * for 4 KiB the same server checking each request's signature (the ceiling of any that
 * verifies SigV4).
 */
export function getScenario(size: SizeName): Scenario {
  const id = `get-${size}`;
  return {
    id,
    description: `GET ${SIZE_LABEL[size]} objects (${getKeys(size).length} keys in turn), c16 and c64: Zonal vs nginx static vs s3rver vs a bare Node HTTP server${size === '4k' ? ', with and without a SigV4 check' : ''}`,
    needs: { wrk: true, nginx: true, s3rver: true },
    async run(ctx) {
      const zonal = await s3GetArm('zonal', await ctx.zonalTarget(), size);
      const arms: Arm[] = [zonal];
      if (ctx.wants('nginx')) arms.push(nginxGetArm('nginx', await ctx.nginx(), size));
      if (ctx.wants('s3rver')) arms.push(await s3GetArm('s3rver', await ctx.s3rverTarget(), size));
      if (ctx.wants('node')) {
        arms.push(bareNodeGetArm(BARE_NODE, await ctx.bareNode(), size));
        // Where the targets are: for larger objects the check is a smaller part of a request.
        if (size === '4k') {
          const token = sessionTokenOf(zonal.paths[0]!);
          arms.push(await bareNodeSigV4GetArm(BARE_NODE_SIGV4, await ctx.bareNodeSigV4(), size, token));
        }
      }
      return wrkCases(
        ctx,
        { scenario: id, title: `GET ${SIZE_LABEL[size]}` },
        arms,
        ctx.concurrencies([16, 64]),
      );
    },
  };
}

/** The session token of a presigned Zonal path (X-Amz-S3session-Token). */
function sessionTokenOf(presignedPath: string): string {
  const token = new URL(presignedPath, 'http://x').searchParams.get('X-Amz-S3session-Token');
  if (token === null) throw new Error(`no session token in ${presignedPath}`);
  return token;
}
