import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticated } from '../auth/authenticate.js';
import type { OperationName } from '../protocol/operations.js';
import type { RequestTarget } from './request-target.js';

/** One request as it flows through the layers; each layer fills in what it learned. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Real arrival time: SigV4's skew window and presigned expiry are checked against it. */
  readonly receivedAt: Date;
  /** Arrival time on the S3 clock (`services.clock`; the test clock when enabled). */
  readonly now: Date;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly query: ReadonlyMap<string, string>;
  readonly target: RequestTarget;
  readonly op: OperationName;
  readonly auth: Authenticated;
}

/** A header's value as one string (duplicates joined by ','), or undefined. */
export function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
