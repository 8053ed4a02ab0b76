import { CreateSessionCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bodyOf, getKeys, loadNginx, loadS3, putKeys, SIZES, type SizeName } from '../lib/datasets.js';
import type { S3Target, zonalTarget } from '../lib/s3-targets.js';
import { BARE_NODE_SIGV4_CREDENTIALS } from '../servers/bare-node-sigv4.js';
import { NGINX_DAV_PREFIX } from '../servers/nginx.js';
import { BENCH_REGION } from '../servers/zonal.js';
import type { BenchServer } from '../servers/server.js';
import type { Arm } from './wrk-case.js';

/** GETs of the data set of `size` on an S3 server (loaded first), presigned. */
export async function s3GetArm(system: string, target: S3Target, size: SizeName): Promise<Arm> {
  await loadS3(target, size);
  return {
    system,
    endpoint: target.server.endpoint,
    serverPid: target.server.child.pid,
    method: 'GET',
    paths: await Promise.all(
      getKeys(size).map((Key) => target.presign(new GetObjectCommand({ Bucket: target.bucket, Key }))),
    ),
    expectLength: SIZES[size],
  };
}

/** The same bytes as static files on nginx. */
export function nginxGetArm(system: string, nginx: BenchServer, size: SizeName): Arm {
  loadNginx(size);
  return {
    system,
    endpoint: nginx.endpoint,
    serverPid: nginx.child.pid,
    method: 'GET',
    paths: getKeys(size).map((k) => `/${k}`),
    expectLength: SIZES[size],
  };
}

/** The same sizes from a bare Node HTTP server (bench/servers/bare-node-main.ts). */
export function bareNodeGetArm(system: string, server: BenchServer, size: SizeName): Arm {
  return {
    system,
    endpoint: server.endpoint,
    serverPid: server.child.pid,
    method: 'GET',
    paths: getKeys(size).map((k) => `/${SIZES[size]}/${k}`),
    expectLength: SIZES[size],
  };
}

/**
 * The same sizes from the bare Node HTTP server that checks signatures (bare-node-sigv4.ts),
 * presigned with its keys. `sessionToken` is a Zonal session token, sent as
 * X-Amz-Security-Token: the canonical request is as long as Zonal's, so the check costs the same.
 */
export async function bareNodeSigV4GetArm(
  system: string,
  server: BenchServer,
  size: SizeName,
  sessionToken: string,
): Promise<Arm> {
  const client = new S3Client({
    endpoint: server.endpoint,
    region: BENCH_REGION,
    forcePathStyle: true,
    credentials: { ...BARE_NODE_SIGV4_CREDENTIALS, sessionToken },
  });
  try {
    // The "bucket" is the size: the server answers `/<size>/…` with that many bytes.
    const Bucket = String(SIZES[size]);
    const urls = await Promise.all(
      getKeys(size).map((Key) =>
        getSignedUrl(client, new GetObjectCommand({ Bucket, Key }), { expiresIn: 3 * 3600 }),
      ),
    );
    return {
      system,
      endpoint: server.endpoint,
      serverPid: server.child.pid,
      method: 'GET',
      paths: urls.map((u) => {
        const url = new URL(u);
        return url.pathname + url.search;
      }),
      expectLength: SIZES[size],
    };
  } finally {
    client.destroy();
  }
}

/** The same bodies PUT to a bare Node HTTP server, which reads and drops them. */
export function bareNodePutArm(system: string, server: BenchServer, size: SizeName): Arm {
  return {
    system,
    endpoint: server.endpoint,
    serverPid: server.child.pid,
    method: 'PUT',
    paths: putKeys(size).map((k) => `/put/${k}`),
    body: bodyOf(size),
  };
}

/** Presigned PUTs carry UNSIGNED-PAYLOAD: wrk sends the same body without hashing it. */
export async function s3PutArm(system: string, target: S3Target, size: SizeName): Promise<Arm> {
  return {
    system,
    endpoint: target.server.endpoint,
    serverPid: target.server.child.pid,
    method: 'PUT',
    paths: await Promise.all(
      putKeys(size).map((Key) => target.presign(new PutObjectCommand({ Bucket: target.bucket, Key }))),
    ),
    body: bodyOf(size),
  };
}

/** WebDAV PUTs of the same bodies to nginx. */
export function nginxPutArm(system: string, nginx: BenchServer, size: SizeName): Arm {
  return {
    system,
    endpoint: nginx.endpoint,
    serverPid: nginx.child.pid,
    method: 'PUT',
    paths: putKeys(size).map((k) => `${NGINX_DAV_PREFIX}${k}`),
    body: bodyOf(size),
  };
}

/**
 * CreateSession is `GET /<bucket>?session`, IAM-signed. Zonal accepts it presigned, and every
 * request makes a new session (tokens are stateless), so wrk can replay one presigned URL:
 * each request pays the full IAM SigV4 verification, the policy check and the token sealing.
 */
export async function createSessionArm(
  system: string,
  zonal: Awaited<ReturnType<typeof zonalTarget>>,
): Promise<Arm> {
  const command = new CreateSessionCommand({ Bucket: zonal.bucket });
  const url = new URL(await getSignedUrl(zonal.control, command, { expiresIn: 3 * 3600 }));
  return {
    system,
    endpoint: zonal.server.endpoint,
    method: 'GET',
    paths: [url.pathname + url.search],
    checkBody: (b) =>
      b.includes('<SessionToken>') ? undefined : `no SessionToken in ${b.toString().slice(0, 200)}`,
  };
}
