import { CreateSessionCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { SessionMode } from './session-mode.js';

/** Session credentials as CreateSession returns them (the seed's `Credentials` list). */
export interface SessionCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  /** When the credentials stop working, by the server's clock. */
  Expiration: Date;
}

/** What {@link createSession} resolves to. */
export interface CreateSessionResult {
  Credentials: SessionCredentials;
  /**
   * True when the bucket does not exist yet: Zonal answered with a short creation session,
   * good for creating the bucket (and then using the bucket it created), nothing else.
   */
  CreationSession?: true;
}

/** The header Zonal marks creation sessions with (a CreateSession on a bucket not yet created). */
export const CREATION_SESSION_HEADER = 'x-zonal-creation-session';

/** Input of {@link createSession}. */
export interface CreateSessionParams {
  /** A directory bucket (`name--zone-id--x-s3`). */
  bucket: string;
  /** ReadWrite or ReadOnly; left out, the server picks (ReadWrite if the policies allow it). */
  sessionMode?: SessionMode;
}

/**
 * Whether `value` is an S3Client rather than a configuration (duck-typed: a client from
 * another copy of `@aws-sdk/client-s3` is a client too).
 */
export function isS3Client(value: S3Client | S3ClientConfig): value is S3Client {
  return (
    value instanceof S3Client ||
    (typeof (value as S3Client).send === 'function' &&
      typeof (value as S3Client).middlewareStack === 'object')
  );
}

/** Credentials plus the server's `Date` at the response, for clock-skew correction. */
export interface TimedSessionCredentials {
  credentials: SessionCredentials;
  /** Epoch ms of the response's `Date` header (one-second resolution), if it had one. */
  serverDate?: number;
  /** A creation session (see {@link CreateSessionResult.CreationSession}): never cached. */
  creationSession?: true;
}

/**
 * Calls CreateSession with IAM credentials and returns the session credentials.
 *
 * `client` is an S3Client, or a configuration to build a short-lived one from (endpoint,
 * region, credentials…). CreateSession is always IAM-signed (the endpoint rules say so), so
 * any S3Client works, including one with `disableS3ExpressSessionAuth: true`.
 *
 * @example
 * const { Credentials } = await createSession(s3, { bucket: 'demo--use1-az4--x-s3', sessionMode: 'ReadOnly' });
 */
export async function createSession(
  client: S3Client | S3ClientConfig,
  params: CreateSessionParams,
): Promise<CreateSessionResult> {
  const result = (timed: TimedSessionCredentials): CreateSessionResult => ({
    Credentials: timed.credentials,
    ...(timed.creationSession ? { CreationSession: true as const } : {}),
  });
  if (isS3Client(client)) return result(await sendCreateSession(client, params));
  const temporary = new S3Client(client);
  try {
    return result(await sendCreateSession(temporary, params));
  } finally {
    // A caller-supplied handler belongs to the caller; only a default one is ours to close.
    if (client.requestHandler === undefined) temporary.destroy();
  }
}

/** Sends CreateSession on `client` and also reports the server's `Date` header. */
export async function sendCreateSession(
  client: S3Client,
  params: CreateSessionParams,
): Promise<TimedSessionCredentials> {
  const command = new CreateSessionCommand({
    Bucket: params.bucket,
    ...(params.sessionMode !== undefined ? { SessionMode: params.sessionMode } : {}),
  });
  let serverDate: number | undefined;
  let creationSession = false;
  // Innermost in the deserialize step: sees the raw HTTP response of each attempt.
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string | undefined> }).headers;
      const date = headers?.['date'];
      creationSession = headers?.[CREATION_SESSION_HEADER] === 'true';
      const parsed = date === undefined ? NaN : Date.parse(date);
      serverDate = Number.isFinite(parsed) ? parsed : undefined;
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'zonalServerDateMiddleware' },
  );
  const output = await client.send(command);
  const c = output.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
    throw new Error('CreateSession response lacks AccessKeyId, SecretAccessKey, SessionToken or Expiration.');
  }
  return {
    credentials: {
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      SessionToken: c.SessionToken,
      Expiration: c.Expiration,
    },
    ...(serverDate !== undefined ? { serverDate } : {}),
    ...(creationSession ? { creationSession: true as const } : {}),
  };
}
