import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getKeys, loadNginx, loadS3, SIZE_LABEL, SIZES, type SizeName } from '../lib/datasets.js';
import type { Scenario } from './scenario.js';
import { wrkCases, type Arm } from './wrk-case.js';

/** GET of one size: Zonal (session-presigned) vs nginx static files vs s3rver (SigV4-presigned). */
export function getScenario(size: SizeName): Scenario {
  const id = `get-${size}`;
  return {
    id,
    description: `GET ${SIZE_LABEL[size]} objects (${getKeys(size).length} keys in turn), c16 and c64: Zonal vs nginx static vs s3rver`,
    needs: { wrk: true, nginx: true, s3rver: true },
    async run(ctx) {
      const keys = getKeys(size);
      const arms: Arm[] = [];
      const zonal = await ctx.zonalTarget();
      await loadS3(zonal, size);
      arms.push({
        system: 'zonal',
        endpoint: zonal.server.endpoint,
        method: 'GET',
        paths: await Promise.all(
          keys.map((Key) => zonal.presign(new GetObjectCommand({ Bucket: zonal.bucket, Key }))),
        ),
        expectLength: SIZES[size],
      });
      if (ctx.wants('nginx')) {
        const nginx = await ctx.nginx();
        loadNginx(size);
        arms.push({
          system: 'nginx',
          endpoint: nginx.endpoint,
          method: 'GET',
          paths: keys.map((k) => `/${k}`),
          expectLength: SIZES[size],
        });
      }
      if (ctx.wants('s3rver')) {
        const s3 = await ctx.s3rverTarget();
        await loadS3(s3, size);
        arms.push({
          system: 's3rver',
          endpoint: s3.server.endpoint,
          method: 'GET',
          paths: await Promise.all(
            keys.map((Key) => s3.presign(new GetObjectCommand({ Bucket: s3.bucket, Key }))),
          ),
          expectLength: SIZES[size],
        });
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
