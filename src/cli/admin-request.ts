/**
 * A SigV4-signed JSON request to Zonal's own root-only operations under `/_zonal/`
 * (server/maintenance-api.ts), signed with the server's own canonicalization (service `s3`).
 */
import { createHash } from 'node:crypto';
import { deriveSigningKey } from '../auth/signing-key-cache.js';
import {
  ALGORITHM,
  canonicalRequest,
  computeSignature,
  credentialScope,
  formatAmzDate,
  stringToSign,
  type SigV4Auth,
} from '../auth/sigv4.js';
import type { ZonalConnection } from '../client/environment.js';

export async function adminRequest(
  connection: ZonalConnection,
  method: 'GET' | 'POST',
  rawPath: string,
  body?: unknown,
): Promise<unknown> {
  const url = new URL(rawPath, connection.endpoint);
  const text = body === undefined ? '' : JSON.stringify(body);
  const payloadHash = createHash('sha256').update(text).digest('hex');
  const amzDate = formatAmzDate(new Date());
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
  };
  if (connection.credentials.sessionToken)
    headers['x-amz-security-token'] = connection.credentials.sessionToken;
  const signedHeaders = Object.keys(headers).sort();
  const auth = {
    form: 'header',
    accessKeyId: connection.credentials.accessKeyId,
    scopeDate: amzDate.slice(0, 8),
    region: connection.region,
    service: 's3',
    signedHeaders,
    amzDate,
    payloadHash,
  } as SigV4Auth;
  const rawHeaders = signedHeaders.flatMap((name) => [name, headers[name]!]);
  const canonical = canonicalRequest({ method, rawPath: url.pathname, rawQuery: '', rawHeaders }, auth);
  const key = deriveSigningKey(connection.credentials.secretAccessKey, auth.scopeDate, auth.region, 's3');
  const signature = computeSignature(key, stringToSign(auth, canonical));
  headers.authorization =
    `${ALGORITHM} Credential=${auth.accessKeyId}/${credentialScope(auth)}, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  delete headers.host;
  const res = await fetch(url, { method, headers, ...(method === 'POST' ? { body: text } : {}) });
  const answer = await res.text();
  if (!res.ok) {
    const code = /<Code>([^<]*)<\/Code>/.exec(answer)?.[1] ?? `HTTP ${res.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(answer)?.[1] ?? '';
    throw new Error(`${code}${message ? `: ${message}` : ''}`);
  }
  return JSON.parse(answer) as unknown;
}
