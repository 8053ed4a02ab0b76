import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IamIdentity } from '../auth/credentials.js';
import type { RequestContext } from '../http/request-context.js';
import type { BucketRecord, ResourceTag } from '../storage/types.js';

export type ConditionContext = Record<string, string | string[] | undefined>;

/** `aws:SourceIp` is the TCP peer: never a client-supplied header such as X-Forwarded-For. */
export function sourceIp(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

/** `1.2`, `1.3` for TLS connections; undefined on plain HTTP (the key is then absent). */
export function tlsVersion(socket: Socket): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  const protocol = tls.encrypted ? tls.getProtocol?.() : undefined;
  const match = protocol ? /^TLSv(\d(?:\.\d)?)$/.exec(protocol) : null;
  return match ? (match[1]!.includes('.') ? match[1] : `${match[1]}.0`) : undefined;
}

/**
 * The keys that describe the connection, read from the socket itself: `aws:SourceIp` and
 * `aws:SecureTransport` ("whether the request was sent using TLS", AWS IAM User Guide, "AWS
 * global condition context keys"). Shared by the S3 requests and the IAM/STS Query API.
 */
export function connectionKeys(socket: Socket): ConditionContext {
  return {
    'aws:SourceIp': sourceIp(socket),
    'aws:SecureTransport': tlsVersion(socket) !== undefined ? 'true' : 'false',
  };
}

/**
 * The condition keys of a request, computed by the server from the connection, the
 * signature and the principal — nothing here is taken from client-settable headers except
 * the request's own SSE and content-sha256 headers, which AWS also exposes as keys.
 */
export function conditionContext(
  ctx: RequestContext,
  identity: IamIdentity,
  bucket: BucketRecord | undefined,
): ConditionContext {
  const now = ctx.receivedAt;
  const sigv4 = ctx.auth.sigv4;
  return {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    ...connectionKeys(ctx.req.socket),
    ...identityKeys(identity),
    's3express:authType': sigv4.form === 'header' ? 'REST-HEADER' : 'REST-QUERY-STRING',
    's3express:signatureversion': 'AWS4-HMAC-SHA256',
    's3express:signatureAge': String(Math.max(0, now.getTime() - sigv4.requestTime.getTime())),
    's3express:TlsVersion': tlsVersion(ctx.req.socket),
    's3express:x-amz-content-sha256': sigv4.payloadHash,
    's3express:x-amz-server-side-encryption': headerValue(ctx, 'x-amz-server-side-encryption'),
    's3express:x-amz-server-side-encryption-aws-kms-key-id': headerValue(
      ctx,
      'x-amz-server-side-encryption-aws-kms-key-id',
    ),
    ...(bucket ? bucketKeys(bucket) : {}),
  };
}

/** The keys that describe the principal. */
export function identityKeys(identity: IamIdentity): ConditionContext {
  return {
    'aws:PrincipalAccount': identity.accountId,
    'aws:PrincipalArn': identity.arn,
    'aws:PrincipalType': identity.isRoot ? 'Account' : 'User',
    'aws:username': identity.userName,
    'aws:userid': identity.isRoot ? identity.accountId : identity.userId,
  };
}

/** The keys that describe the bucket, its tags included (`aws:ResourceTag/<key>`). */
export function bucketKeys(bucket: BucketRecord): ConditionContext {
  return {
    's3express:LocationName': bucket.zoneId,
    's3express:ResourceAccount': bucket.ownerAccountId,
    ...resourceTagKeys(bucket.tags),
  };
}

const RESOURCE_TAG = 'aws:ResourceTag/';

/**
 * `aws:ResourceTag/<key>` for each tag of the resource ("Using tags with directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-buckets-tagging.html: tags
 * control access through attribute-based access control).
 */
export function resourceTagKeys(tags: readonly ResourceTag[] | undefined): ConditionContext {
  const keys: ConditionContext = {};
  for (const tag of tags ?? []) keys[`${RESOURCE_TAG}${tag.key}`] = tag.value;
  return keys;
}

/** `context` with its resource tags replaced by those of another resource (an access point). */
export function withResourceTags(
  context: ConditionContext,
  tags: readonly ResourceTag[] | undefined,
): ConditionContext {
  const out: ConditionContext = {};
  for (const [key, value] of Object.entries(context)) if (!key.startsWith(RESOURCE_TAG)) out[key] = value;
  return { ...out, ...resourceTagKeys(tags) };
}

/**
 * `aws:RequestTag/<key>` and `aws:TagKeys` for a request that sets tags (IAM User Guide, "AWS
 * global condition context keys").
 */
export function requestTagKeys(tags: readonly ResourceTag[]): ConditionContext {
  const keys: ConditionContext = { 'aws:TagKeys': tags.map((t) => t.key) };
  for (const tag of tags) keys[`aws:RequestTag/${tag.key}`] = tag.value;
  return keys;
}

function headerValue(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
