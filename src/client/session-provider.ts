import { EventEmitter } from 'node:events';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { isS3Client } from './create-session.js';
import { LruMap } from '../util/lru.js';
import {
  chooseSessionMode,
  sessionModeParameter,
  type SessionModeChoice,
  type SessionModeOption,
} from './session-mode.js';
import {
  clientSessionSource,
  configSessionSource,
  identityKey,
  type ClosableSessionSource,
  type SessionSource,
} from './session-source.js';
import { sessionTiming, type SessionTiming } from './session-timing.js';

/** The identity handed to the SDK, as `S3ExpressIdentity` in `@aws-sdk/middleware-sdk-s3`. */
export interface S3ExpressSessionIdentity extends AwsCredentialIdentity {
  readonly sessionToken: string;
  /** Expiry translated to the local clock (see {@link sessionTiming}). */
  readonly expiration: Date;
}

/** Settings of a {@link S3ExpressSessionProvider}; every one has a default. */
export interface SessionProviderOptions {
  /** Session mode per bucket (default ReadWrite for every bucket). */
  mode?: SessionModeOption;
  /** Renew a session this long before it expires, ms (default 60,000; at most half its lifetime). */
  refreshWindowMs?: number;
  /** Most sessions kept (IAM identity × bucket × mode); the least recently used go first. Default 100. */
  maxEntries?: number;
  /** Waits between failed CreateSession attempts for one session (default 200 ms doubling to 10 s). */
  backoff?: BackoffOptions;
  /** The clock, epoch ms (tests). */
  now?: () => number;
  /** Random numbers in [0, 1) for backoff jitter (tests). */
  random?: () => number;
}

/** Which session an event is about. */
export interface SessionEventInfo {
  bucket: string;
  mode: SessionModeChoice;
  /** Access key id of the IAM identity the session belongs to. */
  accessKeyId: string;
}

/** A CreateSession that succeeded. */
export interface SessionCreatedInfo extends SessionEventInfo {
  /** True for a renewal started ahead of expiry while the old session was still in use. */
  background: boolean;
  timing: SessionTiming;
}

/** A CreateSession that failed; the next attempt waits `retryInMs`. */
export interface SessionFailureInfo extends SessionEventInfo {
  background: boolean;
  error: unknown;
  /** Consecutive failures for this session. */
  failures: number;
  retryInMs: number;
}

/**
 * Events of a provider. `hit`: a cached session was used; `miss`: none was usable (the caller
 * waits for CreateSession or gets the last error); `refresh`: a background renewal started;
 * `session`: CreateSession succeeded; `failure`: CreateSession failed. Listeners run
 * synchronously; an exception thrown by a listener is ignored.
 */
export interface SessionProviderEvents {
  hit: [SessionEventInfo];
  miss: [SessionEventInfo];
  refresh: [SessionEventInfo];
  session: [SessionCreatedInfo];
  failure: [SessionFailureInfo];
}

/** Counters since the provider was made. */
export interface SessionProviderStats {
  /** Requests served from a cached session. */
  hits: number;
  /** Requests that found no usable session. */
  misses: number;
  /** Background renewals started. */
  refreshes: number;
  /** Successful CreateSession calls. */
  created: number;
  /** Failed CreateSession calls (in the foreground or background). */
  failures: number;
  /** Failed background renewals (included in `failures`). */
  backgroundFailures: number;
  /** Sessions cached now. */
  entries: number;
  /** CreateSession calls in progress now. */
  inFlight: number;
}

interface CachedSession {
  identity: S3ExpressSessionIdentity;
  timing: SessionTiming;
}

interface Entry {
  readonly info: SessionEventInfo;
  readonly awsIdentity: AwsCredentialIdentity;
  session?: CachedSession;
  inFlight?: Promise<CachedSession>;
  failures: number;
  /** No new CreateSession before this time (backoff after a failure). */
  retryAt: number;
  lastError?: unknown;
}

const DEFAULT_REFRESH_WINDOW_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 100;

/**
 * An S3 Express session cache for the AWS SDK: pass it as
 * `new S3Client({ s3ExpressIdentityProvider })`. Unlike the SDK's built-in cache it
 * - keys sessions by IAM identity, bucket and mode, and holds at most `maxEntries` (LRU);
 * - makes one CreateSession for any number of concurrent first requests;
 * - renews sessions in the background ahead of expiry while callers keep the current ones;
 * - reads expiry against the server's clock (its `Date` header), not the local one;
 * - reports a failed CreateSession to the callers that needed it, then retries with
 *   exponential backoff on later calls (callers in the backoff get the same error at once);
 *   a failed background renewal only emits `failure` and keeps the valid session in use;
 * - asks for ReadOnly or ReadWrite per bucket.
 *
 * Works against Zonal and against AWS.
 *
 * @example
 * const config = { region: 'us-east-1', endpoint, credentials };
 * const s3 = new S3Client({ ...config, s3ExpressIdentityProvider: new S3ExpressSessionProvider(config) });
 */
export class S3ExpressSessionProvider extends EventEmitter<SessionProviderEvents> {
  private readonly source: ClosableSessionSource;
  private readonly entries: LruMap<string, Entry>;
  private readonly options: SessionProviderOptions;
  private readonly now: () => number;
  private readonly counters = {
    hits: 0,
    misses: 0,
    refreshes: 0,
    created: 0,
    failures: 0,
    backgroundFailures: 0,
    inFlight: 0,
  };

  /**
   * @param client How CreateSession is sent:
   *   - an S3Client configuration (region, endpoint, requestHandler…): each session is created
   *     with the IAM credentials of the request that needs it; the configuration's own
   *     `credentials` are ignored. Call {@link destroy} to close its connections.
   *   - an S3Client: CreateSession is sent on it, with its credentials.
   *   - a {@link SessionSource} function (tests, custom transports).
   * @param options Modes, refresh window, bounds, backoff.
   */
  constructor(client: S3ClientConfig | S3Client | SessionSource, options: SessionProviderOptions = {}) {
    super();
    this.source =
      typeof client === 'function'
        ? { source: client, destroy: () => undefined }
        : isS3Client(client)
          ? clientSessionSource(client)
          : configSessionSource(client);
    this.options = options;
    this.now = options.now ?? Date.now;
    this.entries = new LruMap(options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  }

  /**
   * The session credentials for a request on `identityProperties.Bucket` made with
   * `awsIdentity` (called by the SDK's S3 Express middleware before signing).
   */
  async getS3ExpressIdentity(
    awsIdentity: AwsCredentialIdentity,
    identityProperties: Record<string, string>,
  ): Promise<S3ExpressSessionIdentity> {
    const bucket = identityProperties['Bucket'];
    if (bucket === undefined || bucket === '') throw new Error('An S3 Express session needs a bucket.');
    const entry = this.entryFor(awsIdentity, bucket);
    const now = this.now();
    const current = entry.session;
    if (current !== undefined && now < current.timing.usableUntil) {
      this.counters.hits += 1;
      this.notify('hit', entry.info);
      if (now >= current.timing.refreshAt && entry.inFlight === undefined && now >= entry.retryAt) {
        this.counters.refreshes += 1;
        this.notify('refresh', entry.info);
        void this.fetch(entry, true);
      }
      return current.identity;
    }
    this.counters.misses += 1;
    this.notify('miss', entry.info);
    if (entry.inFlight !== undefined) return (await entry.inFlight).identity;
    if (now < entry.retryAt && entry.lastError !== undefined) throw entry.lastError;
    return (await this.fetch(entry, false)).identity;
  }

  /** A snapshot of the counters. */
  stats(): SessionProviderStats {
    return { ...this.counters, entries: this.entries.size };
  }

  /**
   * Forgets cached sessions: those of one bucket, or all. Useful when a server lost its
   * session keys; the next request creates a new session.
   */
  invalidate(bucket?: string): void {
    if (bucket === undefined) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of [...this.entries.entries()]) {
      if (entry.info.bucket === bucket) this.entries.delete(key);
    }
  }

  /** Forgets every session and closes the connections of the CreateSession clients it made. */
  destroy(): void {
    this.entries.clear();
    this.source.destroy();
  }

  private entryFor(awsIdentity: AwsCredentialIdentity, bucket: string): Entry {
    const mode = chooseSessionMode(this.options.mode, bucket);
    const key = `${identityKey(awsIdentity)}\n${mode}\n${bucket}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        info: { bucket, mode, accessKeyId: awsIdentity.accessKeyId },
        awsIdentity,
        failures: 0,
        retryAt: 0,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Starts one CreateSession for the entry; the promise is shared by everyone waiting. */
  private fetch(entry: Entry, background: boolean): Promise<CachedSession> {
    const promise = this.load(entry, background);
    entry.inFlight = promise;
    this.counters.inFlight += 1;
    const settled = (): void => {
      this.counters.inFlight -= 1;
      if (entry.inFlight === promise) entry.inFlight = undefined;
    };
    // Also marks the promise handled: a background failure never becomes an unhandled rejection.
    promise.then(settled, settled);
    return promise;
  }

  private async load(entry: Entry, background: boolean): Promise<CachedSession> {
    const sentAt = this.now();
    const mode = sessionModeParameter(entry.info.mode);
    try {
      const result = await this.source.source({
        bucket: entry.info.bucket,
        identity: entry.awsIdentity,
        ...(mode !== undefined ? { sessionMode: mode } : {}),
      });
      const timing = sessionTiming(result, sentAt, this.now(), this.refreshWindow());
      const c = result.credentials;
      const session: CachedSession = {
        identity: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: new Date(timing.expiresAt),
        },
        timing,
      };
      // A creation session (the bucket does not exist yet) serves the requests that asked for
      // it; the next one asks again, and gets a session of the bucket once it exists.
      entry.session = result.creationSession ? undefined : session;
      entry.failures = 0;
      entry.retryAt = 0;
      entry.lastError = undefined;
      this.counters.created += 1;
      this.notify('session', { ...entry.info, background, timing });
      return session;
    } catch (error) {
      entry.failures += 1;
      const retryInMs = backoffDelay(entry.failures, this.options.backoff, this.options.random);
      entry.retryAt = this.now() + retryInMs;
      entry.lastError = error;
      this.counters.failures += 1;
      if (background) this.counters.backgroundFailures += 1;
      this.notify('failure', { ...entry.info, background, error, failures: entry.failures, retryInMs });
      throw error;
    }
  }

  private refreshWindow(): number {
    return this.options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
  }

  /** Emits without letting a listener's exception disturb the cache. */
  private notify<K extends keyof SessionProviderEvents>(event: K, ...args: SessionProviderEvents[K]): void {
    if (this.listenerCount(event) === 0) return;
    try {
      (this.emit as (event: K, ...args: SessionProviderEvents[K]) => boolean)(event, ...args);
    } catch {
      // Documented: listener exceptions are ignored.
    }
  }
}
