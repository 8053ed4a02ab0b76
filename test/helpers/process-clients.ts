/**
 * SDK clients for a `zonal serve` child process, and deterministic test content that can be
 * regenerated for checking instead of being kept in memory.
 */
import { createCipheriv, createHash } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Root credentials handed to child servers through the environment. */
export const PROCESS_ROOT_KEY = {
  accessKeyId: 'AKIAZONALRELIABILITY',
  secretAccessKey: 'zonal-reliability-secret-00000000000000000',
};

export const PROCESS_ROOT_ENV = {
  ZONAL_ROOT_ACCESS_KEY_ID: PROCESS_ROOT_KEY.accessKeyId,
  ZONAL_ROOT_SECRET_ACCESS_KEY: PROCESS_ROOT_KEY.secretAccessKey,
};

export interface ProcessClients {
  /** Session-authenticated (the SDK default for object operations). */
  data(overrides?: Partial<S3ClientConfig>): S3Client;
  /** IAM-signed control-plane client. */
  control(overrides?: Partial<S3ClientConfig>): S3Client;
  destroy(): void;
}

/**
 * Clients for `endpoint` with their own keep-alive agents. `maxAttempts: 1` by default: a
 * fault test wants to see each failure, not the SDK's retry of it.
 */
export function processClients(endpoint: string): ProcessClients {
  const made: { client: S3Client; agent: http.Agent }[] = [];
  const make = (overrides: Partial<S3ClientConfig>): S3Client => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      credentials: PROCESS_ROOT_KEY,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 30_000 }),
      ...overrides,
    });
    made.push({ client, agent });
    return client;
  };
  return {
    data: (o = {}) => make(o),
    control: (o = {}) => make({ disableS3ExpressSessionAuth: true, ...o }),
    destroy: () => {
      for (const { client, agent } of made) {
        client.destroy();
        agent.destroy();
      }
    },
  };
}

/** `size` pseudo-random bytes determined by `seed` (AES-128-CTR keystream: fast, reproducible). */
export function seededBytes(seed: string | number, size: number): Buffer {
  const key = createHash('sha256').update(`zonal-test-content:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CRC32 as S3 sends it: base64 of the big-endian 4 bytes. */
export function crc32Base64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data) >>> 0);
  return out.toString('base64');
}

/** Reads an SDK response body completely. */
export async function bodyBytes(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The error name and HTTP status of an SDK failure, for assertions and messages. */
export function errorSummary(err: unknown): { name: string; status?: number; message: string } {
  const e = err as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
  return {
    name: e?.name ?? 'unknown',
    status: e?.$metadata?.httpStatusCode,
    message: `${e?.name}${e?.code ? ` (${e.code})` : ''}: ${e?.message}`,
  };
}
