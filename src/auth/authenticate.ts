import type { OperationName } from '../protocol/operations.js';
import {
  accessDenied,
  authorizationHeaderMalformed,
  authorizationQueryParametersError,
  invalidRequest,
  S3Error,
} from '../errors/s3-error.js';
import type { CredentialLookup, IamIdentity } from './credentials.js';
import type { SessionClaims, SessionTokenSealer } from './session-token.js';
import { SigningKeyCache } from './signing-key-cache.js';
import { parseSigV4, verifySigV4, type RequestParts, type SigV4Auth } from './sigv4.js';

/** Who signed a request: an IAM identity, or a CreateSession session. */
export type Principal = { kind: 'iam'; identity: IamIdentity } | { kind: 'session'; claims: SessionClaims };

export interface Authenticated {
  principal: Principal;
  sigv4: SigV4Auth;
  /** The derived key that verified the signature; aws-chunked chunk signatures chain from it. */
  signingKey: Buffer;
}

/** Signing names accepted in the credential scope (`s3` tolerated: docs/COMPATIBILITY.md). */
const SERVICES = new Set(['s3express', 's3']);

/** The credential scopes a request may be signed for (default: S3 in the configured region). */
export interface AuthScope {
  /** Accepted signing names, e.g. {s3express, s3} or {iam}. */
  services: ReadonlySet<string>;
  /** Accepted signing regions; the first is the one error messages name. */
  regions: ReadonlySet<string>;
  /** Whether S3 Express session tokens are accepted (S3 only); elsewhere a session → AccessDenied. */
  sessions: boolean;
  /** The SHA-256 (hex) of the body, already read: the payload hash when none is sent (IAM, STS). */
  bodySha256?: string;
}

const invalidToken = (): S3Error => new S3Error('InvalidToken');

export const expiredToken = (): S3Error => new S3Error('ExpiredToken');

/**
 * Authentication only: proves who signed the request (SigV4 with an IAM key, or with session
 * credentials carried in a sealed token). Whether they may do it is the access layer's job.
 */
export class Authenticator {
  private readonly signingKeys = new SigningKeyCache();
  private readonly s3Scope: AuthScope;

  constructor(
    region: string,
    private readonly credentials: CredentialLookup,
    private readonly sessions: SessionTokenSealer,
    private readonly options: { securityTokenSessions?: boolean } = {},
  ) {
    this.s3Scope = { services: SERVICES, regions: new Set([region]), sessions: true };
  }

  /**
   * `scope` chooses the accepted services and regions (default: S3 in the configured region).
   * `now` is real time (SigV4's skew window, presigned expiry); `sessionNow` is the S3 clock
   * a session's expiry is compared with (the test clock when enabled; default `now`).
   */
  authenticate(
    req: RequestParts,
    op: OperationName | undefined,
    now: Date,
    scope: AuthScope = this.s3Scope,
    sessionNow: Date = now,
  ): Authenticated {
    const sigv4 = parseSigV4(
      req,
      scope === this.s3Scope
        ? {}
        : {
            services: scope.services,
            ...(scope.bodySha256 !== undefined ? { bodySha256: scope.bodySha256 } : {}),
          },
    );
    if (!sigv4) throw accessDenied();
    this.checkScope(sigv4, scope);
    if (sigv4.sessionToken !== undefined) {
      if (!scope.sessions) throw accessDenied('Session tokens are not accepted by this service.');
      return this.authenticateSession(req, sigv4, op, now, sessionNow);
    }
    if (sigv4.securityToken !== undefined) {
      // Not AWS, and off unless `--security-token-sessions`: SDKs without S3 Express send a
      // session token (from `zonal session create`, say) as X-Amz-Security-Token. Read as a
      // session token on S3 requests (never IAM/STS), with every check a session gets.
      if (this.options.securityTokenSessions && scope.sessions && op !== 'CreateSession') {
        const { securityToken, ...rest } = sigv4;
        return this.authenticateSession(req, { ...rest, sessionToken: securityToken }, op, now, sessionNow);
      }
      throw invalidToken(); // Zonal issues no STS credentials.
    }
    const identity = this.credentials.lookup(sigv4.accessKeyId);
    if (!identity) {
      throw new S3Error('InvalidAccessKeyId', undefined, {
        AWSAccessKeyId: sigv4.accessKeyId,
      });
    }
    const signingKey = verifySigV4(req, sigv4, identity.secretAccessKey, now, this.signingKeys);
    return { principal: { kind: 'iam', identity }, sigv4, signingKey };
  }

  private authenticateSession(
    req: RequestParts,
    sigv4: SigV4Auth,
    op: OperationName | undefined,
    now: Date,
    sessionNow: Date,
  ): Authenticated {
    if (op === 'CreateSession') {
      throw invalidRequest('CreateSession request should not include "x-amz-s3session-token"');
    }
    if (sigv4.securityToken !== undefined) {
      throw invalidRequest('x-amz-security-token must not be sent with a session token.');
    }
    const claims = this.sessions.open(sigv4.sessionToken!);
    if (!claims || claims.accessKeyId !== sigv4.accessKeyId) throw invalidToken();
    const signingKey = verifySigV4(req, sigv4, claims.secretAccessKey, now, this.signingKeys);
    // Checked after the signature, so only the token's holder learns that it expired.
    if (sessionNow.getTime() >= claims.expiresAt * 1000) throw expiredToken();
    return { principal: { kind: 'session', claims }, sigv4, signingKey };
  }

  private checkScope(sigv4: SigV4Auth, scope: AuthScope): void {
    const malformed =
      sigv4.form === 'header' ? authorizationHeaderMalformed : authorizationQueryParametersError;
    const what =
      sigv4.form === 'header'
        ? 'The authorization header is malformed;'
        : 'Error parsing the X-Amz-Credential parameter;';
    if (!scope.regions.has(sigv4.region)) {
      const expected = [...scope.regions];
      const err = malformed(
        `${what} the region '${sigv4.region}' is wrong; expecting '${expected.join("' or '")}'`,
      );
      err.details.Region = expected[0]!;
      throw err;
    }
    if (!scope.services.has(sigv4.service)) {
      const [service] = scope.services;
      throw malformed(`${what} incorrect service '${sigv4.service}'. This endpoint belongs to '${service}'.`);
    }
  }
}
