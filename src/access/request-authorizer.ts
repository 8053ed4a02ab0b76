import type { IamIdentity } from '../auth/credentials.js';
import type { SessionClaims, SessionMode } from '../auth/session-token.js';
import { accessPointArn, bucketArn } from '../protocol/bucket-names.js';
import { READ_ONLY_OPERATIONS, type OperationName } from '../protocol/operations.js';
import type { RequestContext } from '../http/request-context.js';
import { accessDenied } from '../errors/s3-error.js';
import type { AccessPointRecord, BucketRecord } from '../storage/types.js';
import { checkScope, scopeAllows } from './access-points.js';
import type { AccessDecision, AccessPolicies } from './access-policies.js';
import { conditionContext, withResourceTags, type ConditionContext } from './condition-context.js';
import { checkExpectedBucketOwner } from './expected-owner.js';

/**
 * The incarnation claim of a creation session: CreateSession on a bucket that does not exist
 * yet, for a principal allowed to create it (docs/COMPATIBILITY.md, "The first call"). Such a
 * session names no incarnation but a random creator id; a bucket it creates gets the
 * incarnation `<creator id>.<random>`, and the session reaches only buckets it created itself.
 */
const CREATION_PREFIX = 'new:';

/** A fresh incarnation claim for a creation session. */
export function creationIncarnationClaim(creatorId: string): string {
  return `${CREATION_PREFIX}${creatorId}`;
}

/** The creator id of a creation session, or undefined for a session of an existing bucket. */
export function creationSessionId(claims: SessionClaims): string | undefined {
  return claims.bucketIncarnation.startsWith(CREATION_PREFIX)
    ? claims.bucketIncarnation.slice(CREATION_PREFIX.length)
    : undefined;
}

/**
 * True when a session was created for this incarnation of the bucket, with this owner: a bucket
 * deleted and created again under the same name (by any account) is out of its reach. A
 * creation session reaches the buckets it created (their incarnation starts with its creator
 * id), never one created otherwise; sessions of such a bucket name its whole incarnation, so
 * a re-creation by the same creation session is still out of their reach.
 */
export function sessionReaches(claims: SessionClaims, bucket: BucketRecord): boolean {
  if (claims.bucket !== bucket.name || claims.bucketOwnerAccountId !== bucket.ownerAccountId) return false;
  const creator = creationSessionId(claims);
  if (creator !== undefined) return bucket.incarnation.startsWith(`${creator}.`);
  return claims.bucketIncarnation === bucket.incarnation;
}

/**
 * IAM actions of the control-plane operations, identity policies only ("Actions, resources,
 * and condition keys for Amazon S3 Express",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3express.html).
 */
const CONTROL_ACTIONS: Partial<Record<OperationName, string>> = {
  CreateBucket: 's3express:CreateBucket',
  DeleteBucket: 's3express:DeleteBucket',
  ListDirectoryBuckets: 's3express:ListAllMyDirectoryBuckets',
  PutBucketPolicy: 's3express:PutBucketPolicy',
  GetBucketPolicy: 's3express:GetBucketPolicy',
  DeleteBucketPolicy: 's3express:DeleteBucketPolicy',
  PutBucketEncryption: 's3express:PutEncryptionConfiguration',
  DeleteBucketEncryption: 's3express:PutEncryptionConfiguration',
  GetBucketEncryption: 's3express:GetEncryptionConfiguration',
  PutBucketLifecycleConfiguration: 's3express:PutLifecycleConfiguration',
  DeleteBucketLifecycle: 's3express:PutLifecycleConfiguration',
  GetBucketLifecycleConfiguration: 's3express:GetLifecycleConfiguration',
  PutBucketInventoryConfiguration: 's3express:PutInventoryConfiguration',
  DeleteBucketInventoryConfiguration: 's3express:PutInventoryConfiguration',
  GetBucketInventoryConfiguration: 's3express:GetInventoryConfiguration',
  ListBucketInventoryConfigurations: 's3express:GetInventoryConfiguration',
  PutBucketMetricsConfiguration: 's3express:PutMetricsConfiguration',
  DeleteBucketMetricsConfiguration: 's3express:PutMetricsConfiguration',
  GetBucketMetricsConfiguration: 's3express:GetMetricsConfiguration',
  ListBucketMetricsConfigurations: 's3express:GetMetricsConfiguration',
};

/** Actions decided by identity policies of the bucket's own account alone. */
export const IDENTITY_ONLY_ACTIONS: ReadonlySet<string> = new Set(Object.values(CONTROL_ACTIONS));

/** Resolves the identity that created a session (its policies decide control-plane calls). */
export interface SessionCreatorLookup {
  identityForArn(arn: string): IamIdentity | undefined;
}

/**
 * Authorization of every request. Sessions were authorized at CreateSession, so a session
 * request costs an O(1) check of bucket and mode. IAM-signed requests are authorized as AWS
 * does: Zonal operations through `s3express:CreateSession` (identity and bucket policies, also
 * across accounts), control-plane operations through identity policies of the bucket's account.
 */
export class RequestAuthorizer {
  constructor(
    private readonly policies: AccessPolicies,
    private readonly creators: SessionCreatorLookup,
    private readonly region: string,
  ) {}

  /**
   * Throws AccessDenied unless `ctx` may run its operation. `loadBucket` reads the addressed
   * bucket (undefined: none or not found; a cached record in the embedded store). The bucket
   * owner condition (`x-amz-expected-bucket-owner`) is checked here for every operation.
   */
  authorize(
    ctx: RequestContext,
    loadBucket: () => BucketRecord | undefined,
    accessPoint?: AccessPointRecord,
  ): void {
    const bucket = loadBucket();
    checkExpectedBucketOwner(ctx, bucket);
    const { principal } = ctx.auth;
    // The scope of an access point applies to every request through it, whoever signed it.
    if (accessPoint) checkScope(accessPoint, ctx.op, ctx.target.key, ctx.query);
    if (principal.kind === 'session') return this.authorizeSession(ctx, principal.claims, bucket);
    const identity = principal.identity;
    if (ctx.op === 'CreateSession') return; // decided by the handler, which picks the mode
    const controlAction = CONTROL_ACTIONS[ctx.op];
    if (controlAction !== undefined) return this.authorizeControl(ctx, identity, controlAction, bucket);
    if (!bucket) return; // the handler answers NoSuchBucket
    const modes: SessionMode[] = READ_ONLY_OPERATIONS.has(ctx.op) ? ['ReadOnly', 'ReadWrite'] : ['ReadWrite'];
    if (!modes.some((mode) => this.sessionDecision(ctx, identity, bucket, mode, accessPoint).allowed))
      throw accessDenied();
  }

  /**
   * CreateSession: the requested mode must be allowed; without one, ReadWrite is tried and
   * then ReadOnly, as "Example bucket policies for directory buckets" describes
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-security-iam-example-bucket-policies.html).
   * Returns the mode granted.
   */
  sessionMode(
    ctx: RequestContext,
    identity: IamIdentity,
    bucket: BucketRecord,
    requested?: SessionMode,
    accessPoint?: AccessPointRecord,
  ): SessionMode {
    const candidates: SessionMode[] = requested ? [requested] : ['ReadWrite', 'ReadOnly'];
    const granted = candidates.find(
      (mode) => this.sessionDecision(ctx, identity, bucket, mode, accessPoint).allowed,
    );
    if (!granted) throw accessDenied();
    return granted;
  }

  /**
   * CreateSession on a bucket that does not exist: the mode of a creation session, granted only
   * to a principal whose identity policies allow `s3express:CreateBucket` on the name in its
   * own account and `s3express:CreateSession` on the bucket it would create (no bucket policy
   * exists yet), i.e. the session it would get right after creating the bucket. Undefined
   * otherwise: the caller answers NoSuchBucket, as for any missing bucket.
   */
  creationSessionMode(
    ctx: RequestContext,
    identity: IamIdentity,
    wouldBe: BucketRecord,
    requested?: SessionMode,
  ): SessionMode | undefined {
    const create = this.policies.check({
      identity,
      action: 's3express:CreateBucket',
      resource: bucketArn(this.region, identity.accountId, wouldBe.name),
      resourceAccount: identity.accountId,
      identityOnly: true,
      context: conditionContext(ctx, identity, undefined),
    });
    if (!create.allowed) return undefined;
    const candidates: SessionMode[] = requested ? [requested] : ['ReadWrite', 'ReadOnly'];
    return candidates.find((mode) => this.sessionDecision(ctx, identity, wouldBe, mode).allowed);
  }

  /**
   * The copy source of CopyObject/UploadPartCopy is authorized on its own, for reading: named
   * by its bucket, or by an access point (`sourceAccessPoint`), whose scope must then admit a
   * GetObject of `key`. A session created through an access point copies only through it.
   */
  authorizeCopySource(
    ctx: RequestContext,
    source: BucketRecord,
    key: string,
    sourceAccessPoint?: AccessPointRecord,
  ): void {
    if (sourceAccessPoint && !scopeAllows(sourceAccessPoint.scope, 'GetObject', key)) throw accessDenied();
    const { principal } = ctx.auth;
    if (principal.kind === 'session') {
      const { claims } = principal;
      const sameBinding = claims.accessPoint === sourceAccessPoint?.name;
      if (!sameBinding || !sessionReaches(claims, source)) throw accessDenied();
      return;
    }
    const modes: SessionMode[] = ['ReadOnly', 'ReadWrite'];
    if (
      !modes.some(
        (mode) => this.sessionDecision(ctx, principal.identity, source, mode, sourceAccessPoint).allowed,
      )
    ) {
      throw accessDenied();
    }
  }

  /** The decision for `s3express:CreateSession` on a bucket in a mode (also used by `zonal iam explain`). */
  sessionDecision(
    ctx: RequestContext,
    identity: IamIdentity,
    bucket: BucketRecord,
    mode: SessionMode,
    accessPoint?: AccessPointRecord,
  ): AccessDecision {
    const context = (): ConditionContext => ({
      ...conditionContext(ctx, identity, bucket),
      's3express:SessionMode': mode,
    });
    const bucketQuery = {
      identity,
      action: 's3express:CreateSession',
      resource: bucketArn(bucket.region, bucket.ownerAccountId, bucket.name),
      resourceAccount: bucket.ownerAccountId,
      bucketPolicy: bucket.policy,
      context,
    };
    if (!accessPoint) return this.policies.check(bucketQuery);
    // Through an access point, "both the access point and the underlying bucket policy must
    // permit the request" ("Configuring IAM policies for using access points for directory
    // buckets", https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-directory-buckets-policies.html):
    // the identity and access point policies on the access point's ARN, then the identity and
    // bucket policies on the bucket's, where s3express:DataAccessPointArn/Account name it (a
    // bucket policy delegates access control to access points with them).
    const arn = accessPointArn(accessPoint.region, accessPoint.ownerAccountId, accessPoint.name);
    const viaAccessPoint: ConditionContext = {
      ...context(),
      's3express:DataAccessPointArn': arn,
      's3express:DataAccessPointAccount': accessPoint.ownerAccountId,
      's3express:AccessPointNetworkOrigin': 'Internet',
    };
    const first = this.policies.check({
      ...bucketQuery,
      resource: arn,
      resourceAccount: accessPoint.ownerAccountId,
      bucketPolicy: accessPoint.policy,
      context: withResourceTags(viaAccessPoint, accessPoint.tags),
    });
    if (!first.allowed) return { ...first, reason: `access point ${accessPoint.name}: ${first.reason}` };
    const second = this.policies.check({ ...bucketQuery, context: viaAccessPoint });
    return {
      allowed: second.allowed,
      reason: second.allowed ? `${first.reason}; bucket: ${second.reason}` : `bucket: ${second.reason}`,
      matched: [...first.matched, ...second.matched],
    };
  }

  /**
   * One more control-plane action a request needs besides its own (s3express:TagResource for
   * CreateBucket with tags): identity policies of `account`, for the signer or the session's creator.
   */
  authorizeAction(
    ctx: RequestContext,
    action: string,
    resource: string,
    account: string,
    extra: ConditionContext,
  ): void {
    const { principal } = ctx.auth;
    const identity =
      principal.kind === 'iam'
        ? principal.identity
        : this.creators.identityForArn(principal.claims.principalArn);
    if (!identity) throw accessDenied();
    const context = { ...conditionContext(ctx, identity, undefined), ...extra };
    if (!this.controlDecision(identity, action, resource, account, context).allowed) throw accessDenied();
  }

  /**
   * An S3 Control action (`s3express:CreateAccessPoint`, `s3express:TagResource`, …): identity
   * policies of the resource's own account alone, as for the bucket control operations.
   */
  controlDecision(
    identity: IamIdentity,
    action: string,
    resource: string,
    resourceAccount: string,
    context: ConditionContext,
  ): AccessDecision {
    return this.policies.check({ identity, action, resource, resourceAccount, identityOnly: true, context });
  }

  private authorizeSession(
    ctx: RequestContext,
    claims: SessionClaims,
    bucket: BucketRecord | undefined,
  ): void {
    if (ctx.target.bucket === undefined || ctx.target.bucket !== claims.bucket) throw accessDenied();
    // A session created through an access point is bound to it: refused on the bucket's own
    // name and through any other access point, and a bucket's session is refused through one.
    if (claims.accessPoint !== ctx.target.accessPoint) throw accessDenied();
    // A bucket that is gone is the handler's NoSuchBucket; one created again under the name is
    // another bucket, which this session was never granted. CreateBucket never acts on an
    // existing bucket (the handler answers 409), so it is decided by the creator's permission.
    if (bucket && ctx.op !== 'CreateBucket' && !sessionReaches(claims, bucket)) throw accessDenied();
    if (claims.mode === 'ReadOnly' && !READ_ONLY_OPERATIONS.has(ctx.op)) throw accessDenied();
    const controlAction = CONTROL_ACTIONS[ctx.op];
    if (controlAction === undefined) return;
    // The SDK sends control-plane calls with session auth to a custom endpoint (docs/COMPATIBILITY.md);
    // they still need the session creator's own permission for that action.
    const creator = this.creators.identityForArn(claims.principalArn);
    if (!creator) throw accessDenied();
    this.authorizeControl(ctx, creator, controlAction, bucket);
  }

  private authorizeControl(
    ctx: RequestContext,
    identity: IamIdentity,
    action: string,
    bucket: BucketRecord | undefined,
  ): void {
    const bucketName = ctx.target.bucket;
    // CreateBucket creates in the caller's own account whoever holds the name: it is authorized
    // there, and a name taken by another account is the store's 409 BucketAlreadyExists, as
    // "CreateBucket" (Amazon S3 API Reference) documents, never a 403 from the other account.
    if (ctx.op === 'CreateBucket') bucket = undefined;
    // A missing bucket is the handler's NoSuchBucket, except for CreateBucket, which makes it.
    const account = bucket?.ownerAccountId ?? identity.accountId;
    if (!bucket && ctx.op !== 'CreateBucket' && ctx.op !== 'ListDirectoryBuckets') return;
    const resource =
      bucketName === undefined
        ? `arn:aws:s3express:${this.region}:${account}:bucket/*`
        : bucketArn(this.region, account, bucketName);
    const decision = this.policies.check({
      identity,
      action,
      resource,
      resourceAccount: account,
      identityOnly: true,
      context: conditionContext(ctx, identity, bucket),
    });
    if (!decision.allowed) throw accessDenied();
  }
}
