import { getKeys, SIZE_LABEL, type SizeName } from '../lib/datasets.js';
import { bareNodeGetArm, nginxGetArm, s3GetArm } from './arms.js';
import { BARE_NODE } from '../lib/targets.js';
import type { Scenario } from './scenario.js';
import { wrkCases, type Arm } from './wrk-case.js';

/**
 * GET of one size: Zonal (session-presigned) vs nginx static files vs s3rver (SigV4-presigned)
 * vs a bare Node HTTP server answering from memory (the ceiling of any Node server here).
 */
export function getScenario(size: SizeName): Scenario {
  const id = `get-${size}`;
  return {
    id,
    description: `GET ${SIZE_LABEL[size]} objects (${getKeys(size).length} keys in turn), c16 and c64: Zonal vs nginx static vs s3rver vs a bare Node HTTP server`,
    needs: { wrk: true, nginx: true, s3rver: true },
    async run(ctx) {
      const arms: Arm[] = [await s3GetArm('zonal', await ctx.zonalTarget(), size)];
      if (ctx.wants('nginx')) arms.push(nginxGetArm('nginx', await ctx.nginx(), size));
      if (ctx.wants('s3rver')) arms.push(await s3GetArm('s3rver', await ctx.s3rverTarget(), size));
      if (ctx.wants('node')) arms.push(bareNodeGetArm(BARE_NODE, await ctx.bareNode(), size));
      return wrkCases(
        ctx,
        { scenario: id, title: `GET ${SIZE_LABEL[size]}` },
        arms,
        ctx.concurrencies([16, 64]),
      );
    },
  };
}
