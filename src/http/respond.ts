import type { ServerResponse } from 'node:http';
import { toXml } from '../protocol/xml.js';
import type { RequestContext } from './request-context.js';
import type { S3Error } from '../errors/s3-error.js';
import { ZonalResponse } from './zonal-response.js';

/** Headers every response carries. */
export function setCommonHeaders(res: ServerResponse, requestId: string): void {
  setLeadingHeaders(res, ['x-amz-request-id', requestId, 'x-amz-id-2', requestId, 'Server', 'Zonal']);
}

/** Adds headers (name/value pairs) to whatever response `res` sends, error or not. */
export function setLeadingHeaders(res: ServerResponse, pairs: string[]): void {
  if (res instanceof ZonalResponse) {
    for (const item of pairs) res.leading.push(item);
    return;
  }
  for (let i = 0; i + 1 < pairs.length; i += 2) res.setHeader(pairs[i]!, pairs[i + 1]!);
}

/** The request id of the response, if the request flow gave it one. */
export function requestIdOf(res: ServerResponse): string | undefined {
  if (res instanceof ZonalResponse) {
    const at = res.leading.indexOf('x-amz-request-id');
    return at < 0 ? undefined : res.leading[at + 1];
  }
  const id = res.getHeader('x-amz-request-id');
  return typeof id === 'string' ? id : undefined;
}

export function sendXml(ctx: RequestContext, status: number, document: Record<string, unknown>): void {
  sendXmlText(ctx, status, toXml(document));
}

/** An XML document already serialized (declaration included). */
export function sendXmlText(
  ctx: RequestContext,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  ctx.res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  ctx.res.end(body);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'Content-Length': '0' });
  ctx.res.end();
}

/** Renders an S3 error document (no body for HEAD, as S3 does). */
export function sendError(
  res: ServerResponse,
  method: string,
  requestId: string,
  resource: string,
  err: S3Error,
): void {
  const body =
    method === 'HEAD'
      ? ''
      : toXml({
          Error: {
            Code: err.code,
            Message: err.message,
            ...err.details,
            Resource: resource,
            RequestId: requestId,
            HostId: requestId,
          },
        });
  const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body) };
  if (body) headers['Content-Type'] = 'application/xml';
  if (method === 'HEAD') headers['x-amz-error-code'] = err.code;
  res.writeHead(err.status, headers);
  res.end(body);
}
