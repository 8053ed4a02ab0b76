import http from 'node:http';
import https from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { refreshSessionsOnExpiredToken } from './expired-token.js';
import { S3ExpressSessionProvider, type SessionProviderOptions } from './session-provider.js';
import { isIpEndpoint, virtualHostLookup } from './virtual-host-lookup.js';

/** Where and as whom to connect to a Zonal server. */
export interface ZonalClientOptions {
  /** `http(s)://host:port` of the server. */
  endpoint: string;
  /** IAM credentials (a key pair or an SDK credential provider). */
  credentials: NonNullable<S3ClientConfig['credentials']>;
  /** The server's `--region` (default `us-east-1`). */
  region?: string;
  /** Session cache settings (modes, refresh window, bounds, backoff). */
  sessions?: SessionProviderOptions;
  /** Further S3Client settings applied to every client (e.g. `maxAttempts`, `logger`). */
  clientConfig?: Omit<S3ClientConfig, 'endpoint' | 'credentials' | 'region' | 's3ExpressIdentityProvider'>;
}

/** The clients for one Zonal server. */
export interface ZonalClients {
  /** Object operations, signed with sessions from {@link sessions}; a request answered ExpiredToken is retried once with a new session. */
  s3: S3Client;
  /** Bucket operations (CreateBucket, ListDirectoryBuckets, …), IAM-signed. */
  control: S3Client;
  /** The session cache `s3` uses (stats, events). */
  sessions: S3ExpressSessionProvider;
  /** Closes every connection of the three. */
  destroy(): void;
}

/** Agents that resolve `<bucket>.<host>` to `host`, kept so that `destroy` can close them. */
class VirtualHostAgents {
  private readonly agents: (http.Agent | https.Agent)[] = [];

  constructor(private readonly endpoint: URL) {}

  /** A request handler for one client (none for IP endpoints: the SDK uses path style there). */
  handler(): S3ClientConfig['requestHandler'] {
    if (isIpEndpoint(this.endpoint)) return undefined;
    const lookup = virtualHostLookup(this.endpoint.hostname);
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 50, lookup });
    const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 50, lookup });
    this.agents.push(httpAgent, httpsAgent);
    return { httpAgent, httpsAgent };
  }

  destroy(): void {
    for (const agent of this.agents) agent.destroy();
  }
}

/**
 * An S3Client ready for a Zonal endpoint, with the session provider of this package, and an
 * IAM-signed control-plane client for bucket operations. With a host name endpoint
 * (`http://localhost:9000`) the SDK uses virtual-hosted names, which the clients resolve to
 * the endpoint's address themselves; with an IP endpoint the SDK uses path style.
 *
 * @example
 * const { s3, control } = zonalS3Client({ endpoint: 'http://localhost:9000', credentials });
 */
export function zonalS3Client(options: ZonalClientOptions): ZonalClients {
  const endpoint = new URL(options.endpoint);
  const base: S3ClientConfig = {
    ...options.clientConfig,
    endpoint: options.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: options.credentials,
  };
  const agents = new VirtualHostAgents(endpoint);
  const handler = (): S3ClientConfig => {
    if (base.requestHandler !== undefined) return {};
    const requestHandler = agents.handler();
    return requestHandler === undefined ? {} : { requestHandler };
  };
  const sessions = new S3ExpressSessionProvider({ ...base, ...handler() }, options.sessions);
  const s3 = new S3Client({ ...base, ...handler(), s3ExpressIdentityProvider: sessions });
  refreshSessionsOnExpiredToken(s3, sessions);
  const control = new S3Client({ ...base, ...handler(), disableS3ExpressSessionAuth: true });
  return {
    s3,
    control,
    sessions,
    destroy: () => {
      s3.destroy();
      control.destroy();
      sessions.destroy();
      agents.destroy();
    },
  };
}
