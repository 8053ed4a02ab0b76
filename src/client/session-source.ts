import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { sendCreateSession, type TimedSessionCredentials } from './create-session.js';
import { LruMap } from '../util/lru.js';
import type { SessionMode } from './session-mode.js';

/** One CreateSession call a session provider needs. */
export interface SessionRequest {
  bucket: string;
  /** Absent: the server picks the mode. */
  sessionMode?: SessionMode;
  /** The IAM identity the request that needs the session is made with. */
  identity: AwsCredentialIdentity;
}

/** Whatever performs CreateSession for a session provider (the SDK, or a fake in tests). */
export type SessionSource = (request: SessionRequest) => Promise<TimedSessionCredentials>;

/** A session source that can release its connections. */
export interface ClosableSessionSource {
  readonly source: SessionSource;
  destroy(): void;
}

/**
 * A stable cache key for an IAM identity: the access key id and, for temporary credentials,
 * a digest of the token (two STS sessions may share nothing else).
 */
export function identityKey(identity: AwsCredentialIdentity): string {
  const token = identity.sessionToken;
  if (token === undefined || token === '') return identity.accessKeyId;
  return `${identity.accessKeyId}:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
}

/** How many IAM identities keep their own CreateSession client. */
const MAX_IDENTITY_CLIENTS = 8;

/**
 * Sends CreateSession with an S3Client built from `config`, signed by the identity of the
 * request that needs the session (so the session always belongs to that identity). One
 * client per identity, all sharing one HTTP handler; the configuration's own `credentials`
 * and `s3ExpressIdentityProvider` are not used, so these calls never reach a session provider.
 */
export function configSessionSource(config: S3ClientConfig): ClosableSessionSource {
  const { credentials: _credentials, s3ExpressIdentityProvider: _provider, ...base } = config;
  const ownsHandler = config.requestHandler === undefined;
  let sharedHandler: S3ClientConfig['requestHandler'] = config.requestHandler;
  const clients = new LruMap<string, S3Client>(MAX_IDENTITY_CLIENTS);
  const clientFor = (identity: AwsCredentialIdentity): S3Client => {
    const key = identityKey(identity);
    let client = clients.get(key);
    if (client === undefined) {
      client = new S3Client({
        ...base,
        credentials: identity,
        disableS3ExpressSessionAuth: true,
        ...(sharedHandler !== undefined ? { requestHandler: sharedHandler } : {}),
      });
      // The first client resolves the handler; the others reuse that instance.
      sharedHandler ??= client.config.requestHandler;
      clients.set(key, client);
    }
    return client;
  };
  return {
    source: (request) =>
      sendCreateSession(clientFor(request.identity), {
        bucket: request.bucket,
        ...(request.sessionMode !== undefined ? { sessionMode: request.sessionMode } : {}),
      }),
    destroy: () => {
      clients.clear();
      if (ownsHandler && sharedHandler !== undefined && typeof sharedHandler === 'object') {
        (sharedHandler as { destroy?: () => void }).destroy?.();
      }
    },
  };
}

/**
 * Sends CreateSession on an existing client: signed with that client's own credentials,
 * whatever identity the request that needs the session has. CreateSession is IAM-signed by
 * the endpoint rules, so even a client that uses the provider itself does not recurse.
 */
export function clientSessionSource(client: S3Client): ClosableSessionSource {
  return {
    source: (request) =>
      sendCreateSession(client, {
        bucket: request.bucket,
        ...(request.sessionMode !== undefined ? { sessionMode: request.sessionMode } : {}),
      }),
    destroy: () => undefined,
  };
}
