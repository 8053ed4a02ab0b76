/**
 * The S3 Control API on Zonal's port, for what it manages on directory buckets: access points
 * and resource tags. Requests are REST-XML under `/v20180820/` (a path no bucket name can
 * start, since directory bucket names end in `--x-s3`), signed with SigV4 for `s3express` — the
 * signing name the SDKs' S3 Control endpoint rules choose for directory-bucket access points
 * and `s3express` ARNs ("S3 Control", Amazon S3 API Reference; `s3` is accepted too) — and
 * name the account in `x-amz-account-id`. The SDKs put `{AccountId}.` in front of the host
 * unless told not to (`disableHostPrefix`); Zonal routes on the path alone, so both forms work.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator, AuthScope } from '../../auth/authenticate.js';
import type { IamIdentity } from '../../auth/credentials.js';
import { accessDenied, invalidRequest, notImplemented, S3Error } from '../../errors/s3-error.js';
import { readBounded } from '../../http/request-body.js';
import { sendError } from '../../http/respond.js';
import { decodeComponent, decodePairs } from '../../protocol/query.js';
import type { ZonalServices } from '../services.js';
import type { ControlOperation } from './control-context.js';
import { CONTROL_HANDLERS } from './control-handlers.js';

export const CONTROL_PATH_PREFIX = '/v20180820/';
/** Control documents are small (a policy is at most 20 KiB). */
const MAX_CONTROL_BODY_BYTES = 64 * 1024;
const ACCOUNT_ID = /^\d{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Whether a request is for the S3 Control API (by its path alone). */
export function isControlPath(rawPath: string): boolean {
  return rawPath.startsWith(CONTROL_PATH_PREFIX);
}

interface Route {
  op: ControlOperation;
  /** The access point named in the path. */
  name?: string;
  /** The resource ARN of the tagging operations. */
  resourceArn?: string;
}

const ACCESS_POINT_OPS: Record<string, Partial<Record<string, ControlOperation>>> = {
  '': { PUT: 'CreateAccessPoint', GET: 'GetAccessPoint', DELETE: 'DeleteAccessPoint' },
  policy: { PUT: 'PutAccessPointPolicy', GET: 'GetAccessPointPolicy', DELETE: 'DeleteAccessPointPolicy' },
  scope: { PUT: 'PutAccessPointScope', GET: 'GetAccessPointScope', DELETE: 'DeleteAccessPointScope' },
};
const TAG_OPS: Partial<Record<string, ControlOperation>> = {
  POST: 'TagResource',
  DELETE: 'UntagResource',
  GET: 'ListTagsForResource',
};

/** Method and path → operation, as the S3 Control model's `requestUri`s lay them out. */
export function controlRoute(method: string, rawPath: string): Route | undefined {
  const rest = rawPath.slice(CONTROL_PATH_PREFIX.length);
  if (rest === 'accesspointfordirectory') {
    return method === 'GET' ? { op: 'ListAccessPointsForDirectoryBuckets' } : undefined;
  }
  if (rest.startsWith('accesspoint/')) {
    const [rawName = '', sub = '', ...more] = rest.slice('accesspoint/'.length).split('/');
    if (rawName === '' || more.length > 0) return undefined;
    const op = ACCESS_POINT_OPS[sub]?.[method];
    return op === undefined ? undefined : { op, name: decodeComponent(rawName) };
  }
  if (rest.startsWith('tags/')) {
    const op = TAG_OPS[method];
    // `{resourceArn+}`: a greedy label, its `/` unencoded.
    const arn = decodeComponent(rest.slice('tags/'.length));
    return op === undefined || arn === '' ? undefined : { op, resourceArn: arn };
  }
  return undefined;
}

export interface ControlRequest {
  requestId: string;
  receivedAt: Date;
  method: string;
  rawPath: string;
  rawQuery: string;
}

export interface ControlApiOptions {
  authenticator: Authenticator;
  services: ZonalServices;
}

/** The S3 Control front end: route, authenticate, read the body, run the handler. */
export class ControlApi {
  private readonly scope: AuthScope;

  constructor(private readonly options: ControlApiOptions) {
    this.scope = {
      services: new Set(['s3express', 's3']),
      regions: new Set([options.services.config.region]),
      sessions: false,
    };
  }

  /** Serves one request; returns the operation name (for logs and metrics) when it was known. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    request: ControlRequest,
  ): Promise<string | undefined> {
    const route = controlRoute(request.method, request.rawPath);
    try {
      const { method, rawPath, rawQuery, receivedAt } = request;
      const auth = this.options.authenticator.authenticate(
        { method, rawPath, rawQuery, rawHeaders: req.rawHeaders },
        undefined,
        receivedAt,
        this.scope,
      );
      if (auth.principal.kind !== 'iam') throw accessDenied('Session credentials cannot call S3 Control.');
      if (route === undefined) {
        throw notImplemented(`${method} ${rawPath} is not an S3 Control operation Zonal supports.`);
      }
      const declared = req.headers['content-length'];
      const body = await readBounded(req, {
        limit: MAX_CONTROL_BODY_BYTES,
        declaredLength: declared === undefined ? undefined : Number(declared),
        tooLarge: () => new S3Error('MaxMessageLengthExceeded'),
        budget: this.options.services.bodyBudget,
        busy: () => new S3Error('SlowDown'),
      });
      checkPayload(auth.sigv4.payloadHash, body);
      const accountId = accountIdOf(req, auth.principal.identity);
      const query = decodePairs(rawQuery);
      const handler = CONTROL_HANDLERS[route.op];
      await handler({
        req,
        res,
        requestId: request.requestId,
        receivedAt,
        op: route.op,
        identity: auth.principal.identity,
        accountId,
        ...(route.name === undefined ? {} : { name: route.name }),
        ...(route.resourceArn === undefined ? {} : { resourceArn: route.resourceArn }),
        query,
        body,
        services: this.options.services,
      });
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      if (res.headersSent) {
        res.destroy();
      } else {
        if (!req.complete) res.setHeader('Connection', 'close');
        sendError(res, request.method, request.requestId, request.rawPath, err);
      }
      return route?.op;
    }
    return route?.op;
  }
}

/** The body must be the one whose SHA-256 was signed (or declared unsigned). */
function checkPayload(payloadHash: string, body: Buffer): void {
  if (HEX64.test(payloadHash)) {
    if (createHash('sha256').update(body).digest('hex') !== payloadHash) {
      throw new S3Error('XAmzContentSHA256Mismatch');
    }
    return;
  }
  if (payloadHash === 'UNSIGNED-PAYLOAD') return;
  throw invalidRequest('S3 Control requests carry a plain body: x-amz-content-sha256 must be its SHA-256.');
}

/** `x-amz-account-id`: required, 12 digits, and the caller's own account. */
function accountIdOf(req: IncomingMessage, identity: IamIdentity): string {
  const value = req.headers['x-amz-account-id'];
  if (value === undefined) throw invalidRequest('Missing required header x-amz-account-id.');
  if (typeof value !== 'string' || !ACCOUNT_ID.test(value)) {
    throw invalidRequest('x-amz-account-id must be a 12-digit account id.');
  }
  if (value !== identity.accountId) throw accessDenied('x-amz-account-id must be the account of the caller.');
  return value;
}
