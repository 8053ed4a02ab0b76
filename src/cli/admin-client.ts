/**
 * A client for Zonal's admin API (`/_zonal/…`, server/admin-api.ts): one SigV4-signed JSON
 * request with the root credentials, for `zonal journal` and `zonal faults`. Signed as AWS
 * documents Signature Version 4 ("Create a signed AWS API request", AWS Identity and Access
 * Management User Guide), service `s3`, with the body's SHA-256 as x-amz-content-sha256.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { deriveSigningKey } from '../auth/signing-key-cache.js';
import {
  canonicalRequest,
  computeSignature,
  formatAmzDate,
  stringToSign,
  type SigV4Auth,
} from '../auth/sigv4.js';
import { zonalConnectionFromEnv, type ZonalConnection } from '../client/environment.js';

/** Options every admin command takes. */
export const ADMIN_CONNECTION_USAGE = `  --endpoint <url>     the server (default $ZONAL_ENDPOINT or http://127.0.0.1:9000)
  --region <region>    its region (default $ZONAL_REGION, $AWS_REGION or us-east-1)
  --ca <pem>           trust this CA or certificate for an https:// endpoint

The admin API takes the server's root credentials: ZONAL_ROOT_ACCESS_KEY_ID /
ZONAL_ROOT_SECRET_ACCESS_KEY (or ZONAL_ACCESS_KEY_ID / ZONAL_SECRET_ACCESS_KEY, AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY holding them).`;

export interface AdminConnection extends ZonalConnection {
  ca?: Buffer;
}

export function adminConnection(values: {
  endpoint?: string | undefined;
  region?: string | undefined;
  ca?: string | undefined;
}): AdminConnection {
  const env = process.env;
  // The root pair first: it is the one that works here.
  const rootFirst =
    env.ZONAL_ROOT_ACCESS_KEY_ID && env.ZONAL_ROOT_SECRET_ACCESS_KEY
      ? {
          ...env,
          ZONAL_ACCESS_KEY_ID: env.ZONAL_ROOT_ACCESS_KEY_ID,
          ZONAL_SECRET_ACCESS_KEY: env.ZONAL_ROOT_SECRET_ACCESS_KEY,
        }
      : env;
  const connection = zonalConnectionFromEnv(rootFirst, { endpoint: values.endpoint, region: values.region });
  return { ...connection, ...(values.ca !== undefined ? { ca: fs.readFileSync(values.ca) } : {}) };
}

export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one admin request; resolves with the parsed JSON answer, rejects with an AdminError. */
export async function adminRequest(
  connection: AdminConnection,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<unknown> {
  const url = new URL(pathAndQuery, connection.endpoint);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const now = new Date();
  const amzDate = formatAmzDate(now);
  const payloadHash = createHash('sha256').update(payload).digest('hex');
  const { accessKeyId, secretAccessKey, sessionToken } = connection.credentials;
  const rawHeaders = [
    'host',
    url.host,
    'x-amz-content-sha256',
    payloadHash,
    'x-amz-date',
    amzDate,
    ...(sessionToken ? ['x-amz-security-token', sessionToken] : []),
  ];
  const auth: SigV4Auth = {
    form: 'header',
    accessKeyId,
    scopeDate: amzDate.slice(0, 8),
    region: connection.region,
    service: 's3',
    signedHeaders: [
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
      ...(sessionToken ? ['x-amz-security-token'] : []),
    ],
    signature: '',
    amzDate,
    requestTime: now,
    payloadHash,
  };
  const canonical = canonicalRequest(
    { method, rawPath: url.pathname, rawQuery: url.search.slice(1), rawHeaders },
    auth,
  );
  const key = deriveSigningKey(secretAccessKey, auth.scopeDate, auth.region, auth.service);
  const signature = computeSignature(key, stringToSign(auth, canonical));
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!] = rawHeaders[i + 1]!;
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${auth.scopeDate}/${auth.region}/s3/aws4_request, ` +
    `SignedHeaders=${auth.signedHeaders.join(';')}, Signature=${signature}`;
  if (payload.length > 0) headers['content-type'] = 'application/json';
  headers['content-length'] = String(payload.length);
  const transport = url.protocol === 'https:' ? https : http;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = transport.request(
      url,
      { method, headers, ...(connection.ca !== undefined ? { ca: connection.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  if (status >= 200 && status < 300) return JSON.parse(text) as unknown;
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text;
  throw new AdminError(status, code, `${code ?? 'HTTP'} (${status}): ${message}`);
}
