import crypto from 'node:crypto';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/protocols';
import type { Checksum, SourceData } from '@smithy/types';

/** node:crypto SHA-256 / HMAC-SHA-256 in the shape the smithy signer wants. */
export class NodeSha256 implements Checksum {
  private hash: crypto.Hash | crypto.Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): crypto.Hash | crypto.Hmac {
    return this.secret === undefined
      ? crypto.createHash('sha256')
      : crypto.createHmac('sha256', Buffer.from(this.secret as Uint8Array));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export interface RawRequest {
  method: string;
  /** Already-encoded path, e.g. `/bucket//key`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface SigningOptions {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Put the session token in x-amz-s3session-token (S3 Express) instead of x-amz-security-token. */
  sessionTokenHeader?: boolean;
  presign?: { expiresIn: number };
  /** Send no x-amz-content-sha256 (as botocore on Query-protocol requests); the body's hash is still signed. */
  noContentSha256?: boolean;
}

/** Signs a request the way the SDK does (S3 style: no double encoding, no path normalization). */
export async function signRequest(port: number, req: RawRequest, opts: SigningOptions): Promise<HttpRequest> {
  const { sessionToken, ...keys } = opts.credentials;
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...req.headers };
  if (sessionToken && opts.sessionTokenHeader !== false) headers['x-amz-s3session-token'] = sessionToken;
  const body = req.body ?? '';
  // Presigned URLs sign UNSIGNED-PAYLOAD, as @aws-sdk/s3-request-presigner does.
  if (opts.presign) headers['x-amz-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
  else if (headers['x-amz-content-sha256'] === undefined && !opts.noContentSha256) {
    headers['x-amz-content-sha256'] = crypto.createHash('sha256').update(body).digest('hex');
  }
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: req.path,
    query: { ...req.query },
    headers,
    body,
  });
  const signer = new SignatureV4({
    credentials: sessionToken && opts.sessionTokenHeader === false ? opts.credentials : keys,
    region: opts.region ?? 'us-east-1',
    service: opts.service ?? 's3express',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  if (opts.presign) {
    if (sessionToken) {
      delete request.headers['x-amz-s3session-token'];
      request.query['X-Amz-S3session-Token'] = sessionToken;
    }
    return (await signer.presign(request, {
      expiresIn: opts.presign.expiresIn,
      signingDate: opts.signingDate,
    })) as HttpRequest;
  }
  return (await signer.sign(request, { signingDate: opts.signingDate })) as HttpRequest;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The `<Code>` of an error document, if any. */
  code?: string;
}

/** Sends a (signed) HttpRequest over a fresh connection and reads the whole response. */
export function send(request: HttpRequest, port: number): Promise<RawResponse> {
  const query = Object.entries(request.query)
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
    .join('&');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path + (query ? `?${query}` : ''),
        headers: request.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1],
          });
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}
