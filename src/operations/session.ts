import { newSecretAccessKey, newSessionAccessKeyId, randomBytes } from '../auth/random-ids.js';
import type { SessionMode } from '../auth/session-token.js';
import { S3_XMLNS, XML_DECLARATION, xmlText } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendXmlText } from '../http/respond.js';
import { accessDenied, invalidArgument, noSuchBucket } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import { bucketArn, parseDirectoryBucketName } from '../protocol/bucket-names.js';
import type { BucketRecord, ServerSideEncryption } from '../storage/types.js';
import { accessPointOf } from './lookups.js';
import { creationIncarnationClaim } from '../access/request-authorizer.js';
import type { IamIdentity } from '../auth/credentials.js';
import { bucketDefaultEncryption, encryptionHeaders } from './object-headers.js';

/**
 * Lifetime of a creation session, seconds: long enough for botocore, which renews a session
 * with under 10 s left before using it and refuses one that is expired when it arrives.
 */
const CREATION_SESSION_SECONDS = 5;

/**
 * The CreateSessionResult document ("CreateSession", Response Syntax), written out: it is
 * every session's answer, and the generic builder costs more than the rest of the XML path.
 */
function createSessionResult(
  sessionToken: string,
  secretAccessKey: string,
  accessKeyId: string,
  expiresAt: number,
): string {
  return (
    `${XML_DECLARATION}<CreateSessionResult xmlns="${S3_XMLNS}"><Credentials>` +
    `<SessionToken>${xmlText(sessionToken)}</SessionToken>` +
    `<SecretAccessKey>${xmlText(secretAccessKey)}</SecretAccessKey>` +
    `<AccessKeyId>${xmlText(accessKeyId)}</AccessKeyId>` +
    `<Expiration>${xmlTimestamp(expiresAt)}</Expiration>` +
    `</Credentials></CreateSessionResult>`
  );
}

/** XML timestamps as S3 Express emits them: no fractional seconds. */
function xmlTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The mode asked for, or undefined: then the policies pick (ReadWrite, else ReadOnly). */
function requestedMode(ctx: RequestContext): SessionMode | undefined {
  const mode = header(ctx, 'x-amz-create-session-mode');
  if (mode === undefined) return undefined;
  if (mode === 'ReadWrite') return 'ReadWrite';
  if (mode === 'ReadOnly') return 'ReadOnly';
  throw invalidArgument(
    'x-amz-create-session-mode must be ReadWrite or ReadOnly.',
    'x-amz-create-session-mode',
    mode,
  );
}

/**
 * SSE settings of the session ("CreateSession"): the bucket default unless the request names one.
 * SSE-KMS needs the key id, which must be the bucket's one customer-managed key; an
 * encryption context may only repeat the default (the bucket ARN).
 */
function requestedEncryption(ctx: RequestContext, bucket: BucketRecord): ServerSideEncryption {
  const algorithm = header(ctx, 'x-amz-server-side-encryption');
  const keyId = header(ctx, 'x-amz-server-side-encryption-aws-kms-key-id');
  checkEncryptionContext(header(ctx, 'x-amz-server-side-encryption-context'), bucket);
  if (algorithm === undefined) {
    if (keyId !== undefined) {
      throw invalidArgument(
        'A KMS key id needs x-amz-server-side-encryption: aws:kms.',
        'x-amz-server-side-encryption-aws-kms-key-id',
        keyId,
      );
    }
    return bucketDefaultEncryption(bucket);
  }
  if (algorithm === 'AES256') {
    if (keyId !== undefined) {
      throw invalidArgument(
        'A KMS key id is not valid with AES256.',
        'x-amz-server-side-encryption-aws-kms-key-id',
        keyId,
      );
    }
    return { algorithm };
  }
  if (algorithm !== 'aws:kms') {
    throw invalidArgument(
      'Invalid server-side encryption algorithm.',
      'x-amz-server-side-encryption',
      algorithm,
    );
  }
  if (keyId === undefined) {
    throw invalidArgument(
      'SSE-KMS requires x-amz-server-side-encryption-aws-kms-key-id.',
      'x-amz-server-side-encryption-aws-kms-key-id',
      '',
    );
  }
  if (bucket.encryption?.kmsKeyId !== keyId) {
    throw invalidArgument(
      "The KMS key must be the bucket's customer managed key (set with PutBucketEncryption).",
      'x-amz-server-side-encryption-aws-kms-key-id',
      keyId,
    );
  }
  return { algorithm, kmsKeyId: keyId };
}

/** The context is base64 of a JSON object; for directory buckets only the bucket ARN may appear in it. */
function checkEncryptionContext(value: string | undefined, bucket: BucketRecord): void {
  if (value === undefined) return;
  const arn = bucketArn(bucket.region, bucket.ownerAccountId, bucket.name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const values = typeof parsed === 'object' && parsed !== null ? Object.values(parsed) : [];
  if (values.length !== 1 || values[0] !== arn) {
    throw invalidArgument(
      'The encryption context of a directory bucket may only be its default (the bucket ARN).',
      'x-amz-server-side-encryption-context',
      value,
    );
  }
}

/**
 * A session for a bucket that does not exist yet, when the caller may create it and would get
 * a session of it right after (RequestAuthorizer.creationSessionMode); undefined otherwise.
 */
function creationSession(
  ctx: RequestContext,
  services: ZonalServices,
  identity: IamIdentity,
): { bucket: BucketRecord; mode: SessionMode } | undefined {
  const name = ctx.target.bucket!;
  const parsed = parseDirectoryBucketName(name);
  if (!parsed) return undefined;
  const wouldBe: BucketRecord = {
    name,
    zoneId: parsed.zoneId,
    locationType: parsed.locationType,
    region: services.config.region,
    ownerAccountId: identity.accountId,
    createdAt: ctx.receivedAt,
    incarnation: '',
  };
  const mode = services.authorizer.creationSessionMode(ctx, identity, wouldBe, requestedMode(ctx));
  return mode === undefined ? undefined : { bucket: wouldBe, mode };
}

/**
 * CreateSession: bucket-scoped temporary credentials in a sealed token
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html).
 */
export async function createSession(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const { principal } = ctx.auth;
  // Guaranteed by the authenticator (a session token on CreateSession is rejected there).
  if (principal.kind !== 'iam') throw accessDenied();
  const existing = await services.store.getBucket(ctx.target.bucket!);
  const accessPoint = await accessPointOf(ctx, services);
  let bucket: BucketRecord;
  let mode: SessionMode;
  let incarnation: string;
  if (existing) {
    bucket = existing;
    mode = services.authorizer.sessionMode(ctx, principal.identity, bucket, requestedMode(ctx), accessPoint);
    incarnation = bucket.incarnation;
  } else {
    // The first call of a default SDK client: with a custom endpoint, botocore and the JS SDK
    // sign CreateBucket with session auth, so they ask for a session of the bucket first.
    // (Through an access point the bucket exists: ZonalServer answered NoSuchBucket otherwise.)
    const creation = accessPoint ? undefined : creationSession(ctx, services, principal.identity);
    if (!creation) throw noSuchBucket(ctx.target.bucket!);
    ({ bucket, mode } = creation);
    incarnation = creationIncarnationClaim(randomBytes(16).toString('hex'));
  }
  const encryption = requestedEncryption(ctx, bucket);

  const issuedAt = Math.floor(ctx.now.getTime() / 1000);
  // A creation session lives a few seconds: SDK caches that hold it (keyed by bucket name)
  // ask again soon, and get a session of the bucket once it exists, however it was created.
  const duration = services.config.sessionDurationSeconds;
  const expiresAt = issuedAt + (existing ? duration : Math.min(duration, CREATION_SESSION_SECONDS));
  const accessKeyId = newSessionAccessKeyId();
  const secretAccessKey = newSecretAccessKey();
  const sessionToken = services.sessions.seal({
    accountId: principal.identity.accountId,
    principalArn: principal.identity.arn,
    bucket: bucket.name,
    bucketIncarnation: incarnation,
    bucketOwnerAccountId: bucket.ownerAccountId,
    ...(accessPoint ? { accessPoint: accessPoint.name } : {}),
    mode,
    issuedAt,
    expiresAt,
    accessKeyId,
    secretAccessKey,
    encryption,
  });
  const headers = encryptionHeaders(encryption);
  // Not an AWS header: tells Zonal's own clients not to cache this session.
  if (!existing) headers['x-zonal-creation-session'] = 'true';
  services.stats.sessionsCreated += 1;
  sendXmlText(ctx, 200, createSessionResult(sessionToken, secretAccessKey, accessKeyId, expiresAt), headers);
}
