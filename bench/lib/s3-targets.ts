import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  S3Client,
  type S3ClientConfig,
  type S3ClientResolvedConfig,
  type ServiceInputTypes,
} from '@aws-sdk/client-s3';
import type { Command } from '@smithy/core/client';
import type { MetadataBearer } from '@smithy/types';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import http from 'node:http';
import { S3ExpressSessionProvider } from '../../src/client/index.js';
import { S3RVER_BUCKET, S3RVER_CREDENTIALS } from '../servers/s3rver.js';
import type { BenchServer } from '../servers/server.js';
import { BENCH_REGION, BENCH_ROOT } from '../servers/zonal.js';

/** The directory bucket every Zonal scenario uses. */
export const ZONAL_BUCKET = 'bench--use1-az4--x-s3';
/** Presigned URLs outlive any scenario (sessions last 12 h, see SESSION_SECONDS). */
const PRESIGN_SECONDS = 3 * 3600;

/** Any S3 command the presigner takes (GetObject, PutObject, ListObjectsV2, CreateSession…). */
type Presignable<I extends ServiceInputTypes, O extends MetadataBearer> = Command<
  I,
  O,
  S3ClientResolvedConfig,
  ServiceInputTypes,
  MetadataBearer
>;

/** An S3 server the harness loads data into and presigns requests for. */
export interface S3Target {
  readonly server: BenchServer;
  readonly bucket: string;
  /** For loading data (session auth on Zonal). */
  readonly client: S3Client;
  /** Presigns `command`; returns path + query, the part wrk requests. */
  presign<I extends ServiceInputTypes, O extends MetadataBearer>(command: Presignable<I, O>): Promise<string>;
  destroy(): void;
}

function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/**
 * No checksum headers or query parameters unless an operation requires them: a presigned PUT
 * must not carry the checksum of an empty body, and wrk sends the same bytes every time.
 */
function baseConfig(server: BenchServer): S3ClientConfig {
  return {
    endpoint: server.endpoint,
    region: BENCH_REGION,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }),
  };
}

/** Zonal: object requests are signed with S3 Express session credentials (X-Amz-S3session-Token). */
export async function zonalTarget(server: BenchServer): Promise<S3Target & { control: S3Client }> {
  const config: S3ClientConfig = { ...baseConfig(server), credentials: BENCH_ROOT };
  const control = new S3Client({ ...config, disableS3ExpressSessionAuth: true });
  const sessions = new S3ExpressSessionProvider(config);
  const client = new S3Client({ ...config, s3ExpressIdentityProvider: sessions });
  try {
    await control.send(
      new CreateBucketCommand({
        Bucket: ZONAL_BUCKET,
        CreateBucketConfiguration: {
          Location: { Type: 'AvailabilityZone', Name: 'use1-az4' },
          Bucket: { Type: 'Directory', DataRedundancy: 'SingleAvailabilityZone' },
        },
      }),
    );
  } catch (err) {
    // The data dir is kept between runs: the bucket may exist already.
    if (!(err instanceof BucketAlreadyOwnedByYou)) throw err;
  }
  return {
    server,
    bucket: ZONAL_BUCKET,
    client,
    control,
    presign: async (command) => {
      const url = await getSignedUrl(client, command, { expiresIn: PRESIGN_SECONDS });
      if (!url.includes('X-Amz-S3session-Token=')) throw new Error(`not session-signed: ${url}`);
      return pathOf(url);
    },
    destroy: () => {
      client.destroy();
      control.destroy();
      sessions.destroy();
    },
  };
}

/** s3rver: plain SigV4 with its default keys, path style, a regular bucket. */
export function s3rverTarget(server: BenchServer): S3Target {
  const client = new S3Client({
    ...baseConfig(server),
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
  });
  return {
    server,
    bucket: S3RVER_BUCKET,
    client,
    presign: async (command) => pathOf(await getSignedUrl(client, command, { expiresIn: PRESIGN_SECONDS })),
    destroy: () => client.destroy(),
  };
}
