/**
 * Where blobs live, from configuration: `dir:PATH` (a local or shared POSIX directory) or
 * `s3://BUCKET[/prefix]` (any S3-compatible upstream at `endpoint`, credentials from
 * ZONAL_BLOBS_ACCESS_KEY_ID / ZONAL_BLOBS_SECRET_ACCESS_KEY). `openBlobTier` proves the tier
 * usable before a node serves: a bad spec, refused credentials, a missing bucket or an
 * unreachable endpoint stop it at start with a message naming the tier (never the secret).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LocalDirBlobStore } from './files/blob-files.js';
import type { BlobStore } from './halves.js';
import type { S3BlobStoreOptions } from './s3-blobs/s3-blob-store.js';

export const ACCESS_KEY_ENV = 'ZONAL_BLOBS_ACCESS_KEY_ID';
export const SECRET_KEY_ENV = 'ZONAL_BLOBS_SECRET_ACCESS_KEY';

export type BlobTierSpec = { kind: 'dir'; path: string } | { kind: 's3'; bucket: string; prefix: string };

/**
 * Bucket names as S3 accepts them for general purpose buckets (3–63 characters of lower-case
 * letters, digits, dots and hyphens, starting and ending with a letter or digit; Amazon S3
 * "Bucket naming rules").
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const usage = 'expected dir:PATH or s3://BUCKET[/prefix]';

/** Parses a `--blobs` value; throws a message an operator can act on. */
export function parseBlobTier(spec: string): BlobTierSpec {
  if (spec.startsWith('dir:')) {
    const dir = spec.slice('dir:'.length);
    if (dir === '') throw new Error(`--blobs ${JSON.stringify(spec)}: the directory is empty (${usage})`);
    return { kind: 'dir', path: dir };
  }
  if (spec.startsWith('s3://')) {
    const rest = spec.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1);
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
      throw new Error(
        `--blobs ${JSON.stringify(spec)}: ${JSON.stringify(bucket)} is not a bucket name ` +
          '(3-63 lower-case letters, digits, dots and hyphens)',
      );
    }
    if (prefix !== '' && prefix.replace(/\/$/, '').split('/').includes('')) {
      throw new Error(`--blobs ${JSON.stringify(spec)}: the key prefix has an empty path segment`);
    }
    return { kind: 's3', bucket, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
  }
  throw new Error(`--blobs ${JSON.stringify(spec)}: ${usage}`);
}

export interface BlobTierOptions {
  /** The `--blobs` value. */
  spec: string;
  /** `--blobs-endpoint`: the S3 upstream's URL (default AWS S3 in `region`). */
  endpoint?: string;
  /** `--blobs-region` (default us-east-1). */
  region?: string;
  /** fsync blob files (dir: only; an S3 upstream acknowledges writes once stored). */
  fsync: boolean;
  /** Where the credentials are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Checks an endpoint URL: http(s), a host, nothing after the path. */
function parseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`--blobs-endpoint ${JSON.stringify(endpoint)} is not a URL (e.g. http://127.0.0.1:7480)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--blobs-endpoint ${JSON.stringify(endpoint)}: only http:// and https:// are supported`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new Error(
      `--blobs-endpoint: give only a scheme, host and port (credentials go in ${ACCESS_KEY_ENV} / ${SECRET_KEY_ENV})`,
    );
  }
  return endpoint.replace(/\/+$/, '');
}

/** The options, checked, without touching the tier; throws on bad configuration. */
export function resolveBlobTier(
  options: BlobTierOptions,
): { kind: 'dir'; path: string } | { kind: 's3'; options: S3BlobStoreOptions } {
  const spec = parseBlobTier(options.spec);
  if (spec.kind === 'dir') {
    if (options.endpoint !== undefined || options.region !== undefined) {
      throw new Error('--blobs-endpoint and --blobs-region apply only to --blobs s3://BUCKET');
    }
    return { kind: 'dir', path: path.resolve(spec.path) };
  }
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region))
    throw new Error(`--blobs-region ${JSON.stringify(region)} is not a region name`);
  const endpoint = parseEndpoint(options.endpoint ?? `https://s3.${region}.amazonaws.com`);
  const env = options.env ?? process.env;
  const accessKeyId = env[ACCESS_KEY_ENV];
  const secretAccessKey = env[SECRET_KEY_ENV];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(`--blobs ${options.spec} needs credentials: set ${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV}`);
  }
  return {
    kind: 's3',
    options: {
      endpoint,
      region,
      bucket: spec.bucket,
      prefix: spec.prefix,
      credentials: { accessKeyId, secretAccessKey },
    },
  };
}

/** Opens the blob tier and proves it writable (a probe object, or a probe file). */
export async function openBlobTier(options: BlobTierOptions): Promise<BlobStore> {
  const tier = resolveBlobTier(options);
  if (tier.kind === 'dir') {
    try {
      fs.mkdirSync(tier.path, { recursive: true, mode: 0o700 });
      const blobs = new LocalDirBlobStore(tier.path, options.fsync);
      blobs.checkWritable();
      return blobs;
    } catch (err) {
      throw new Error(`blob directory ${tier.path} cannot be created or written: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  // Loaded only for an S3 tier: the AWS SDK would add ~40 ms to every other start (cold start).
  const { S3BlobStore } = await import('./s3-blobs/s3-blob-store.js');
  const blobs = new S3BlobStore(tier.options);
  try {
    await blobs.checkWritable();
  } catch (err) {
    blobs.close();
    throw err;
  }
  return blobs;
}
