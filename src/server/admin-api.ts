/**
 * Zonal's own admin API for the people who test against it, under `/_zonal/` on the server's
 * address: no bucket can take that path (directory bucket names start with a letter or digit,
 * see "Directory bucket naming rules" in the Amazon S3 User Guide), and a bucket's virtual
 * host (`<bucket>.localhost/_zonal/…`) still addresses that bucket's keys.
 *
 * Every route is root-only: the request is signed with SigV4 (header or presigned form, service
 * `s3`/`s3express`, the server's region) by the root credentials of the default account, and
 * verified by the same Authenticator as S3 requests; anything else is 403 AccessDenied. Bodies
 * and answers are JSON; failures are S3 error documents.
 *
 * Routes are a table: each feature adds its own list (admin-journal.ts, admin-faults.ts, …)
 * to the one ZonalServer builds.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Authenticator } from '../auth/authenticate.js';
import type { IamIdentity } from '../auth/credentials.js';
import { UNSIGNED_PAYLOAD } from '../auth/sigv4.js';
import { accessDenied, invalidArgument, invalidRequest, S3Error } from '../errors/s3-error.js';
import { readBounded } from '../http/request-body.js';
import type { BodyBudget } from '../http/body-budget.js';

/** The path prefix of every admin route. */
export const ADMIN_PREFIX = '/_zonal/';

/** Largest JSON body an admin request may carry. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export interface AdminRequest {
  method: string;
  /** The last path segment when the route's path ends in `/:id`. */
  id: string | undefined;
  query: URLSearchParams;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
}

export interface AdminAnswer {
  /** Default 200. */
  status?: number;
  /** Sent as JSON. */
  body: unknown;
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path below `/_zonal/`, e.g. `journal`; `faults/:id` also takes one more segment. */
  path: string;
  handle(request: AdminRequest): AdminAnswer | Promise<AdminAnswer>;
}

export interface AdminContext {
  receivedAt: Date;
  rawPath: string;
  rawQuery: string;
}

export class AdminApi {
  constructor(
    private readonly routes: readonly AdminRoute[],
    private readonly authenticator: Authenticator,
    /** The root identity of the default account: the only one the admin API answers. */
    private readonly root: IamIdentity,
    /** The server's budget for request bodies read whole (body-budget.ts). */
    private readonly bodyBudget: BodyBudget,
  ) {}

  static isAdminPath(rawPath: string): boolean {
    return rawPath.startsWith(ADMIN_PREFIX);
  }

  /** Authenticates, routes and answers; throws an S3Error the caller renders. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: AdminContext): Promise<void> {
    const method = req.method ?? 'GET';
    // Authentication first: nothing about the admin API is revealed to anyone else.
    const auth = this.authenticator.authenticate(
      { method, rawPath: ctx.rawPath, rawQuery: ctx.rawQuery, rawHeaders: req.rawHeaders },
      undefined,
      ctx.receivedAt,
    );
    const { principal } = auth;
    if (
      principal.kind !== 'iam' ||
      !principal.identity.isRoot ||
      principal.identity.accountId !== this.root.accountId
    ) {
      throw accessDenied("Zonal's admin API answers only the root credentials of the default account.");
    }
    const rest = ctx.rawPath.slice(ADMIN_PREFIX.length);
    const candidates = this.routes.filter((route) => matches(route.path, rest));
    if (candidates.length === 0) throw invalidRequest(`Zonal has no admin API at ${ctx.rawPath}.`);
    const route = candidates.find((r) => r.method === method);
    if (route === undefined) throw new S3Error('MethodNotAllowed');
    const raw = await readBounded(req, {
      limit: MAX_ADMIN_BODY_BYTES,
      declaredLength:
        req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']),
      tooLarge: () => new S3Error('MaxMessageLengthExceeded'),
      budget: this.bodyBudget,
      busy: () => new S3Error('SlowDown'),
    });
    const hash = auth.sigv4.payloadHash;
    if (hash !== UNSIGNED_PAYLOAD) {
      if (!/^[0-9a-f]{64}$/.test(hash))
        throw invalidRequest('Admin requests take a plain (not aws-chunked) body.');
      if (createHash('sha256').update(raw).digest('hex') !== hash)
        throw new S3Error('XAmzContentSHA256Mismatch');
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw invalidArgument('The admin request body is not JSON.');
      }
    }
    const slash = rest.lastIndexOf('/');
    const answer = await route.handle({
      method,
      id: route.path.endsWith('/:id') ? decodeURIComponent(rest.slice(slash + 1)) : undefined,
      query: new URLSearchParams(ctx.rawQuery),
      body,
    });
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}

function matches(pattern: string, path: string): boolean {
  if (!pattern.endsWith('/:id')) return pattern === path;
  const base = pattern.slice(0, -'/:id'.length);
  return (
    path.startsWith(base + '/') && path.length > base.length + 1 && !path.slice(base.length + 1).includes('/')
  );
}

/** A non-negative integer query parameter, or undefined when absent. */
export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw invalidArgument(`${name} must be a non-negative integer.`, name, value);
  return Number(value);
}
