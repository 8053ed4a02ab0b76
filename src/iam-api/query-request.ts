/**
 * The AWS Query protocol on the wire: which requests are IAM/STS calls, their bounded form
 * bodies, and their parameters (`Action=…&Version=…&…`, in a form body or in the query string).
 */
import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from '../http/body-budget.js';
import { readBounded } from '../http/request-body.js';
import { decodePairs, type PlusSign } from '../protocol/query.js';
import { IamError, serviceUnavailable, validationError } from './iam-error.js';

export type QueryService = 'iam' | 'sts';

/** Largest accepted form body (a policy document is the biggest parameter). */
export const MAX_QUERY_BODY_BYTES = 64 * 1024;

const HEADER_SCOPE = /Credential=[^\s,/]*\/\d{8}\/[^\s,/]*\/(iam|sts)\/aws4_request/;
const QUERY_SCOPE = /(?:^|&)X-Amz-Credential=[^&]*?(?:\/|%2F)(iam|sts)(?:\/|%2F)aws4_request/i;

/**
 * The signing service of a request to `/` when it is `iam` or `sts` (peeked from the
 * Authorization header or X-Amz-Credential before any routing), else undefined: the request is
 * for S3 (which rejects other services in the scope itself). Authentication later verifies the
 * scope properly; this only chooses the front end.
 */
export function queryServiceOf(
  rawPath: string,
  rawHeaders: string[],
  rawQuery: string,
): QueryService | undefined {
  if (rawPath !== '/') return undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      return HEADER_SCOPE.exec(rawHeaders[i + 1]!)?.[1] as QueryService | undefined;
    }
  }
  if (rawQuery === '' || !rawQuery.includes('X-Amz-Credential')) return undefined;
  return QUERY_SCOPE.exec(rawQuery)?.[1] as QueryService | undefined;
}

const tooLarge = (): IamError =>
  validationError(`The request body exceeds the maximum size of ${MAX_QUERY_BODY_BYTES} bytes.`);

/**
 * Reads the whole form body, refusing more than `limit` bytes (before reading, when declared),
 * and answering 503 ServiceUnavailable when the server's body budget is spent.
 */
export async function readQueryBody(
  req: IncomingMessage,
  budget: BodyBudget,
  limit = MAX_QUERY_BODY_BYTES,
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  return readBounded(req, {
    limit,
    declaredLength: declared === undefined ? undefined : Number(declared),
    tooLarge,
    budget,
    busy: serviceUnavailable,
  });
}

/** Request parameters, each name at most once. */
export class QueryParams {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** AWS's wording for a missing required member. */
  required(name: string): string {
    const v = this.values.get(name);
    if (v === undefined || v === '') {
      throw validationError(
        `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return v;
  }
}

export const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/**
 * The query string is read as the signature check reads it (`+` literal); a form body, which
 * the payload hash covers byte for byte, as a form (`+` is a space).
 */
function addPairs(into: Map<string, string>, encoded: string, plus: PlusSign, skipAuth: boolean): void {
  for (const [name, value] of decodePairs(encoded, plus)) {
    if (skipAuth && name.startsWith('X-Amz-')) continue;
    if (into.has(name)) throw validationError(`The parameter ${name} was given more than once.`);
    into.set(name, value);
  }
}

/**
 * Parameters of a Query request: the query string (minus SigV4's X-Amz-* parameters) and, for a
 * form body, its fields. A non-empty body must be `application/x-www-form-urlencoded`.
 */
export function parseQueryParams(
  rawQuery: string,
  contentType: string | undefined,
  body: Buffer,
): QueryParams {
  const values = new Map<string, string>();
  if (rawQuery !== '') addPairs(values, rawQuery, 'plus', true);
  if (body.length > 0) {
    const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/x-www-form-urlencoded') {
      throw validationError('The request body must be application/x-www-form-urlencoded.');
    }
    addPairs(values, body.toString('utf8'), 'space', false);
  }
  return new QueryParams(values);
}
