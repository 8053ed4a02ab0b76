import { newSecretAccessKey, newSessionAccessKeyId } from '../auth/random-ids.js';
import type { SessionEncryption, SessionMode } from '../auth/session-token.js';
import { S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../server/request-context.js';
import { sendXml } from '../server/respond.js';
import { accessDenied, invalidArgument } from '../server/s3-error.js';
import type { ZonalServices } from '../server/zonal-server.js';
import { existingBucket } from './buckets.js';

/** XML timestamps as S3 Express emits them: no fractional seconds. */
function xmlTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function requestedMode(ctx: RequestContext): SessionMode {
  const mode = header(ctx, 'x-amz-create-session-mode');
  if (mode === undefined || mode === 'ReadWrite') return 'ReadWrite';
  if (mode === 'ReadOnly') return 'ReadOnly';
  throw invalidArgument(
    'x-amz-create-session-mode must be ReadWrite or ReadOnly.',
    'x-amz-create-session-mode',
    mode,
  );
}

/**
 * SSE settings of the session. Buckets default to SSE-S3; an SSE-KMS request needs a bucket
 * configured with that key, which Zonal does not offer yet, so it is refused.
 */
function requestedEncryption(ctx: RequestContext): SessionEncryption {
  const algorithm = header(ctx, 'x-amz-server-side-encryption');
  if (algorithm === undefined || algorithm === 'AES256') return { algorithm: 'AES256' };
  if (algorithm === 'aws:kms') {
    throw invalidArgument(
      'SSE-KMS does not match the bucket default encryption (SSE-S3).',
      'x-amz-server-side-encryption',
      algorithm,
    );
  }
  throw invalidArgument(
    'Invalid server-side encryption algorithm.',
    'x-amz-server-side-encryption',
    algorithm,
  );
}

/** CreateSession (spec §1): bucket-scoped temporary credentials in a sealed token. */
export function createSession(ctx: RequestContext, services: ZonalServices): void {
  const { principal } = ctx.auth;
  // Guaranteed by the authenticator (a session token on CreateSession is rejected there).
  if (principal.kind !== 'iam') throw accessDenied();
  const bucket = existingBucket(ctx, services);
  if (bucket.ownerAccountId !== principal.identity.accountId) throw accessDenied();
  const mode = requestedMode(ctx);
  const encryption = requestedEncryption(ctx);

  const issuedAt = Math.floor(ctx.receivedAt.getTime() / 1000);
  const expiresAt = issuedAt + services.config.sessionDurationSeconds;
  const accessKeyId = newSessionAccessKeyId();
  const secretAccessKey = newSecretAccessKey();
  const sessionToken = services.sessions.seal({
    accountId: principal.identity.accountId,
    principalArn: principal.identity.arn,
    bucket: bucket.name,
    mode,
    issuedAt,
    expiresAt,
    accessKeyId,
    secretAccessKey,
    encryption,
  });
  ctx.res.setHeader('x-amz-server-side-encryption', encryption.algorithm);
  sendXml(ctx, 200, {
    CreateSessionResult: {
      '@_xmlns': S3_XMLNS,
      Credentials: {
        SessionToken: sessionToken,
        SecretAccessKey: secretAccessKey,
        AccessKeyId: accessKeyId,
        Expiration: xmlTimestamp(expiresAt),
      },
    },
  });
}
