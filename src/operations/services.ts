import type { RequestAuthorizer } from '../access/request-authorizer.js';
import type { IamIdentity } from '../auth/credentials.js';
import type { SessionTokenSealer } from '../auth/session-token.js';
import type { ServerConfig } from '../config.js';
import type { BodyBudget } from '../http/body-budget.js';
import type { IdentitySource } from '../identity/identity-source.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Clock } from '../util/clock.js';

/** What operation handlers may use: configuration, storage and the session sealer. */
export interface ZonalServices {
  readonly config: ServerConfig;
  readonly store: ObjectStore;
  readonly sessions: SessionTokenSealer;
  /** The root identity of the default account, owner of every bucket today. */
  readonly root: IamIdentity;
  /** Accounts, users, access keys and their identity policies (the identities file today). */
  readonly identities: IdentitySource;
  /** Who may do what: sessions, identity and bucket policies. */
  readonly authorizer: RequestAuthorizer;
  /** Memory for request bodies read whole (XML documents), shared by every request. */
  readonly bodyBudget: BodyBudget;
  /** Counters for tests and operators; mutated by the handlers. */
  readonly stats: ZonalStats;
  /** "Now" for S3 semantics (LastModified, session expiry, lifecycle): the test clock if enabled. */
  readonly clock: Clock;
}

/** Running totals since the server started. */
export interface ZonalStats {
  /** Successful CreateSession calls. */
  sessionsCreated: number;
  /** Objects deleted by lifecycle Expiration rules. */
  lifecycleExpiredObjects: number;
  /** Multipart uploads aborted by lifecycle AbortIncompleteMultipartUpload rules. */
  lifecycleAbortedUploads: number;
}
