import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { plainWrite } from '../lib/disk.js';
import type { Measurement } from '../lib/results.js';
import type { Scenario } from './scenario.js';

const PART_SIZE = 8 * 2 ** 20;
const QUEUE_SIZE = 4;

/** `bytes` of data from one reused random-ish buffer: the client spends nothing making it. */
function source(bytes: number): Readable {
  const chunk = Buffer.alloc(PART_SIZE);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/**
 * A 1 GiB multipart upload with @aws-sdk/lib-storage (8 MiB parts, 4 in flight, session auth,
 * fsync on) against a plain sequential write + fsync of the same size on the same disk.
 */
export const multipartScenario: Scenario = {
  id: 'multipart-1g',
  description:
    '1 GiB multipart upload with @aws-sdk/lib-storage (8 MiB parts, 4 in flight) vs a plain write+fsync of 1 GiB',
  needs: {},
  async run(ctx) {
    const bytes = ctx.options.quick ? 128 * 2 ** 20 : 2 ** 30;
    const label = ctx.options.quick ? '128 MiB' : '1 GiB';
    const zonal = await ctx.zonalTarget(true);
    const Key = 'multipart/big';
    const start = performance.now();
    await new Upload({
      client: zonal.client,
      params: { Bucket: zonal.bucket, Key, Body: source(bytes) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    }).done();
    const seconds = (performance.now() - start) / 1000;
    const subject: Measurement = {
      system: 'zonal',
      value: bytes / 2 ** 20 / seconds,
      errors: 0,
      detail: { seconds, bytes },
    };
    const head = await zonal.client.send(new HeadObjectCommand({ Bucket: zonal.bucket, Key }));
    if (head.ContentLength !== bytes) subject.flag = `stored ${head.ContentLength} bytes, expected ${bytes}`;
    await zonal.client.send(new DeleteObjectCommand({ Bucket: zonal.bucket, Key }));
    console.log(`    zonal: ${subject.value.toFixed(1)} MiB/s (${seconds.toFixed(2)} s)`);
    const references: Measurement[] = [];
    if (ctx.wants('disk')) {
      const disk = plainWrite(bytes);
      references.push({ system: 'disk (write+fsync)', value: disk.mibPerSecond, errors: 0, detail: disk });
      console.log(`    disk:  ${disk.mibPerSecond.toFixed(1)} MiB/s (${disk.seconds.toFixed(2)} s)`);
    }
    return [
      {
        id: 'multipart-1g',
        scenario: 'multipart-1g',
        title: `Multipart upload ${label}`,
        unit: 'MiB/s',
        higherIsBetter: true,
        subject,
        references,
        note: 'lib-storage, 8 MiB parts, 4 in flight, fsync on',
      },
    ];
  },
};
