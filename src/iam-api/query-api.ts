/**
 * The IAM and STS Query APIs on Zonal's port. ZonalServer hands over every request whose SigV4
 * credential scope names `iam` or `sts`; this module reads the (bounded) form body,
 * authenticates with the shared Authenticator, checks that the signed payload hash is the
 * body's, authorizes `iam:<Action>` against the caller's identity policies and renders the
 * Query-protocol XML, errors included.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectionKeys } from '../access/condition-context.js';
import { decide, evaluatePolicies, requestTimeContext, type PrincipalInfo } from '../access/policy/index.js';
import type { Authenticator, AuthScope } from '../auth/authenticate.js';
import type { BodyBudget } from '../http/body-budget.js';
import type { IamIdentity } from '../auth/credentials.js';
import { IdentityError } from '../identity/identity-error.js';
import type { IdentitySource } from '../identity/identity-source.js';
import { S3Error } from '../errors/s3-error.js';
import { settleUnreadBody } from '../http/unread-body.js';
import { IAM_ACTIONS, type ActionContext, type ActionHandler } from './iam-actions.js';
import { accessDenied, fromAuthError, fromIdentityError, IamError, internalFailure } from './iam-error.js';
import { parseQueryParams, readQueryBody, type QueryService } from './query-request.js';
import { STS_ACTIONS } from './sts-actions.js';
import { actionResponse, errorResponse, IAM_XMLNS, STS_XMLNS } from './xml.js';

/** IAM is global and signed for us-east-1 on AWS; Zonal also accepts its own region. */
export const GLOBAL_SIGNING_REGION = 'us-east-1';

interface ServiceSpec {
  xmlns: string;
  version: string;
  actions: Readonly<Record<string, ActionHandler>>;
  scope: AuthScope;
}

export interface QueryApiOptions {
  authenticator: Authenticator;
  identities: IdentitySource;
  /** The server's region (`--region`), accepted in credential scopes besides us-east-1. */
  region: string;
  /** The server's budget for request bodies read whole (shared with S3's XML bodies). */
  bodyBudget: BodyBudget;
  onInternalError?: (err: unknown) => void;
}

export interface QueryRequest {
  requestId: string;
  receivedAt: Date;
  method: string;
  rawPath: string;
  rawQuery: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class QueryApi {
  private readonly services: Record<QueryService, ServiceSpec>;

  constructor(private readonly options: QueryApiOptions) {
    const regions = new Set([GLOBAL_SIGNING_REGION, options.region]);
    this.services = {
      iam: {
        xmlns: IAM_XMLNS,
        version: '2010-05-08',
        actions: IAM_ACTIONS,
        scope: { services: new Set(['iam']), regions, sessions: false },
      },
      sts: {
        xmlns: STS_XMLNS,
        version: '2011-06-15',
        actions: STS_ACTIONS,
        scope: { services: new Set(['sts']), regions, sessions: false },
      },
    };
  }

  async handle(
    service: QueryService,
    req: IncomingMessage,
    res: ServerResponse,
    request: QueryRequest,
  ): Promise<void> {
    const spec = this.services[service];
    res.setHeader('x-amzn-RequestId', request.requestId);
    try {
      const body = await readQueryBody(req, this.options.bodyBudget);
      const caller = this.authenticate(spec, req, request, body);
      if (request.method !== 'POST' && request.method !== 'GET') {
        throw new IamError(
          'InvalidAction',
          'IAM and STS requests are POST / (or GET /) Query requests.',
          400,
        );
      }
      const params = parseQueryParams(request.rawQuery, req.headers['content-type'], body);
      const action = params.get('Action');
      if (action === undefined || action === '') {
        throw new IamError('MissingAction', 'The request must contain the parameter Action.', 400);
      }
      const version = params.get('Version');
      const handler = Object.hasOwn(spec.actions, action) ? spec.actions[action] : undefined;
      if (handler === undefined || (version !== undefined && version !== spec.version)) {
        throw new IamError(
          'InvalidAction',
          `Could not find operation ${action} for version ${version ?? spec.version}`,
          400,
        );
      }
      const ctx: ActionContext = {
        params,
        caller,
        store: this.options.identities,
        authorize: (resource) => this.authorize(service, action, caller, resource, req, request.receivedAt),
      };
      const result = await handler(ctx);
      this.send(res, 200, actionResponse(spec.xmlns, action, result, request.requestId));
    } catch (err) {
      this.fail(req, res, spec, request.requestId, err);
    }
  }

  private authenticate(
    spec: ServiceSpec,
    req: IncomingMessage,
    request: QueryRequest,
    body: Buffer,
  ): IamIdentity {
    const { method, rawPath, rawQuery, receivedAt } = request;
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    // Without x-amz-content-sha256 (botocore, the AWS CLI) the signature covers the body's
    // hash, computed here: a body that is not the signed one fails the signature.
    const auth = this.options.authenticator.authenticate(
      { method, rawPath, rawQuery, rawHeaders: req.rawHeaders },
      undefined,
      receivedAt,
      { ...spec.scope, bodySha256 },
    );
    if (auth.principal.kind !== 'iam') throw accessDenied('Session credentials cannot call IAM or STS.');
    // The signature covers the declared payload hash; the body must be what was declared.
    const { payloadHash } = auth.sigv4;
    if (HEX64.test(payloadHash)) {
      if (bodySha256 !== payloadHash) {
        throw new IamError(
          'SignatureDoesNotMatch',
          'The request body does not match its signed SHA-256 hash.',
          403,
        );
      }
    } else if (body.length > 0) {
      throw new IamError(
        'SignatureDoesNotMatch',
        'The request body must be signed (x-amz-content-sha256).',
        403,
      );
    }
    return auth.principal.identity;
  }

  /** An account root may do anything in its account; an IAM user needs an identity-policy Allow. */
  private authorize(
    service: QueryService,
    action: string,
    caller: IamIdentity,
    resource: string,
    req: IncomingMessage,
    receivedAt: Date,
  ): void {
    const principal: PrincipalInfo = {
      arn: caller.arn,
      accountId: caller.accountId,
      isRoot: caller.isRoot,
      ...(caller.userName !== undefined ? { userName: caller.userName } : {}),
      ...(caller.userId !== undefined ? { userId: caller.userId } : {}),
    };
    const qualified = `${service}:${action}`;
    const identity = evaluatePolicies(this.options.identities.policiesOf(caller), 'identity', {
      principal,
      action: qualified,
      resource,
      context: {
        ...requestTimeContext(receivedAt),
        // From the connection, as for S3 requests: TLS or not, and the TCP peer.
        ...connectionKeys(req.socket),
        'aws:RequestedRegion': GLOBAL_SIGNING_REGION,
      },
    });
    const decision = decide({
      principal,
      resourceAccount: caller.accountId,
      identity,
      resource: { decision: 'NoMatch', matched: [] },
    });
    if (decision.allowed) return;
    const why =
      identity.decision === 'Deny'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${qualified} action`;
    throw accessDenied(
      `User: ${caller.arn} is not authorized to perform: ${qualified} on resource: ${resource} ${why}`,
    );
  }

  private send(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private fail(
    req: IncomingMessage,
    res: ServerResponse,
    spec: ServiceSpec,
    requestId: string,
    err: unknown,
  ): void {
    let iamErr: IamError;
    if (err instanceof IamError) iamErr = err;
    else if (err instanceof IdentityError) iamErr = fromIdentityError(err);
    else if (err instanceof S3Error) iamErr = fromAuthError(err);
    else {
      const clientWentAway = (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (!clientWentAway) this.options.onInternalError?.(err);
      iamErr = internalFailure();
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The rest of an unread body is read and dropped first (or the connection closed after
    // the answer), so the client sees the error rather than a reset.
    settleUnreadBody(req, res, () =>
      this.send(res, iamErr.status, errorResponse(spec.xmlns, iamErr, requestId)),
    );
  }
}
