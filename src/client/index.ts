/** The TypeScript client side of Zonal: S3 Express sessions for the AWS SDK for JavaScript v3. */
export {
  createSession,
  sendCreateSession,
  type CreateSessionParams,
  type CreateSessionResult,
  type SessionCredentials,
  type TimedSessionCredentials,
} from './create-session.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { refreshSessionsOnExpiredToken, type InvalidatableSessions } from './expired-token.js';
export {
  S3ExpressSessionProvider,
  type S3ExpressSessionIdentity,
  type SessionCreatedInfo,
  type SessionEventInfo,
  type SessionFailureInfo,
  type SessionProviderEvents,
  type SessionProviderOptions,
  type SessionProviderStats,
} from './session-provider.js';
export {
  chooseSessionMode,
  type SessionMode,
  type SessionModeChoice,
  type SessionModeOption,
} from './session-mode.js';
export { identityKey, type SessionRequest, type SessionSource } from './session-source.js';
export { sessionTiming, type SessionTiming } from './session-timing.js';
export { virtualHostLookup } from './virtual-host-lookup.js';
export { zonalS3Client, type ZonalClientOptions, type ZonalClients } from './zonal-client.js';
export { DEFAULT_ZONAL_ENDPOINT, zonalConnectionFromEnv, type ZonalConnection } from './environment.js';
