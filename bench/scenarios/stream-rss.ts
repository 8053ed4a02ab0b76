import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import http from 'node:http';
import type { Measurement } from '../lib/results.js';
import { rssOf } from '../servers/server.js';
import type { Scenario } from './scenario.js';

const CHUNK = Buffer.alloc(1024 * 1024, 0x3c);

/** Streams `bytes` as the body of a presigned PUT (UNSIGNED-PAYLOAD), honouring back-pressure. */
function streamPut(url: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'PUT', agent: false, headers: { 'content-length': bytes } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n)))
          return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Reads a presigned GET to the end, discarding the bytes; resolves with status and length. */
function streamGet(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * RSS while streaming a big object through Zonal: one 5 GiB PUT (the single-PUT maximum),
 * then one GET of it, sampling the server's resident set every 100 ms.
 */
export const streamRssScenario: Scenario = {
  id: 'stream-rss',
  description: "Zonal's RSS while one 5 GiB object is PUT then GET (single streams, fsync on)",
  needs: {},
  async run(ctx) {
    const bytes = ctx.options.quick ? 256 * 2 ** 20 : 5 * 2 ** 30;
    const zonal = await ctx.zonalTarget(true);
    const pid = zonal.server.child.pid;
    const Key = 'stream/big';
    const put =
      zonal.server.endpoint + (await zonal.presign(new PutObjectCommand({ Bucket: zonal.bucket, Key })));
    const get =
      zonal.server.endpoint + (await zonal.presign(new GetObjectCommand({ Bucket: zonal.bucket, Key })));
    const baseline = rssOf(pid) ?? 0;
    const samples: number[] = [];
    const timer = setInterval(() => {
      const rss = rssOf(pid);
      if (rss !== undefined) samples.push(rss);
    }, 100);
    let putStatus = 0;
    let got = { status: 0, bytes: 0 };
    const t0 = performance.now();
    let t1 = t0;
    try {
      putStatus = await streamPut(put, bytes);
      t1 = performance.now();
      if (putStatus === 200) got = await streamGet(get);
    } finally {
      clearInterval(timer);
    }
    const t2 = performance.now();
    await zonal.client.send(new DeleteObjectCommand({ Bucket: zonal.bucket, Key }));
    const mib = (n: number): number => n / 2 ** 20;
    const peak = Math.max(baseline, ...samples);
    const subject: Measurement = {
      system: 'zonal',
      value: mib(peak),
      errors: putStatus === 200 && got.status === 200 ? 0 : 1,
      detail: {
        sizeGiB: bytes / 2 ** 30,
        baselineMiB: mib(baseline),
        rssGrowthMiB: mib(peak - baseline),
        putMiBps: mib(bytes) / ((t1 - t0) / 1000),
        getMiBps: mib(bytes) / ((t2 - t1) / 1000),
        samples: samples.length,
      },
    };
    if (putStatus !== 200) subject.flag = `PUT answered ${putStatus}`;
    else if (got.status !== 200 || got.bytes !== bytes)
      subject.flag = `GET answered ${got.status} with ${got.bytes} bytes`;
    const d = subject.detail!;
    console.log(
      `    RSS ${mib(baseline).toFixed(0)} → peak ${subject.value.toFixed(0)} MiB; PUT ${(d['putMiBps'] as number).toFixed(0)} MiB/s, GET ${(d['getMiBps'] as number).toFixed(0)} MiB/s`,
    );
    return [
      {
        id: 'stream-rss',
        scenario: 'stream-rss',
        title: `Peak RSS, ${bytes / 2 ** 30} GiB PUT + GET`,
        unit: 'MiB',
        higherIsBetter: false,
        subject,
        references: [],
        note: `baseline ${mib(baseline).toFixed(0)} MiB, growth ${mib(peak - baseline).toFixed(0)} MiB`,
      },
    ];
  },
};
