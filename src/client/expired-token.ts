import type { S3Client } from '@aws-sdk/client-s3';

/** What the middleware needs from a session cache (S3ExpressSessionProvider has it). */
export interface InvalidatableSessions {
  invalidate(bucket?: string): void;
}

/** Error names that mean the session credentials a request was signed with are no longer good. */
const SESSION_GONE = new Set(['ExpiredToken']);

/**
 * Makes `client` recover from a session the server considers expired: a request on a bucket
 * that fails with `ExpiredToken` (400, which AWS answers for expired session credentials; see
 * CreateSession in the Amazon S3 API Reference) drops the bucket's sessions from `sessions`
 * and is sent once more, with a new session. The AWS SDK retries no ExpiredToken by itself,
 * and a cache that trusts its own expiry time would keep signing with the dead session (a
 * server restarted with new session keys, a clock far off, an injected fault).
 * `zonalS3Client` installs it on its `s3` client.
 */
export function refreshSessionsOnExpiredToken(client: S3Client, sessions: InvalidatableSessions): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const bucket = (args.input as { Bucket?: unknown }).Bucket;
        if (typeof bucket !== 'string' || !SESSION_GONE.has((err as Error)?.name)) throw err;
        sessions.invalidate(bucket);
        return next(args);
      }
    },
    { step: 'initialize', name: 'zonalRefreshExpiredSessions', override: true },
  );
}
