/** PEM files for HTTPS. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/**
 * HTTPS from the operator's PEM files, from a self-signed certificate kept in the data dir, or
 * (`--aws-hosts`) from a certificate for the AWS host names issued by a local CA Zonal makes.
 */
export type TlsConfig = TlsFiles | { selfSigned: true } | { awsHosts: true };

/** Server settings, with the embedded defaults `zonal serve` starts with. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  region: string;
  /** Lifetime of CreateSession credentials, seconds (AWS: 300). */
  sessionDurationSeconds: number;
  /** fsync blobs and SQLite commits; off only for throwaway servers. */
  fsync: boolean;
  /** The identities file (accounts, users, access keys); default `<dataDir>/iam.json`. */
  iamFile?: string;
  /** Serve HTTPS instead of HTTP. */
  tls?: TlsConfig;
  /** Open connections served at once; more are answered 503 SlowDown and closed. */
  maxConnections: number;
  /** Time a client has to send a complete request head, ms. */
  headersTimeoutMs: number;
  /** Time a request body or a response may make no progress, ms (then 400 RequestTimeout). */
  requestTimeoutMs: number;
  /** Time an idle kept-alive connection stays open between requests, ms. */
  keepAliveTimeoutMs: number;
  /** Server processes sharing the port and the data dir (node:cluster); 1 = no cluster. */
  workers: number;
  /**
   * Where object bytes above the inline size live (`--blobs`): `dir:PATH` or
   * `s3://BUCKET[/prefix]` at `endpoint` (storage/blob-tier.ts); default files in the data dir.
   * In cluster mode the tier every node shares.
   */
  blobs?: { spec: string; endpoint?: string; region?: string };
  /** Bodies up to this many bytes are kept in the metadata database (default: the backend's). */
  inlineMaxBytes?: number;
  /**
   * Largest body of one PUT, UploadPart or append; default MAX_PAYLOAD_BYTES (5 GiB, S3's).
   * Only tests lower it, to check the limit without sending 5 GiB; no CLI flag sets it.
   */
  maxPayloadBytes?: number;
  /**
   * Bytes of request bodies read whole into memory (XML documents, IAM/STS forms) at once,
   * across all requests; beyond it a request is answered 503 SlowDown. Default
   * DEFAULT_BODY_BUDGET_BYTES (64 MiB). Only tests change it; no CLI flag sets it.
   */
  bodyBudgetBytes?: number;
  /** Requests the journal keeps (`GET /_zonal/journal`); 0 turns it off. Default 1000. */
  journalSize?: number;
  /** The web console at `/console/` (`--console true|false`); on unless false. */
  console?: boolean;
  /** Fault injection (`/_zonal/faults`): off unless asked for. */
  faults?: boolean;
  /**
   * A test clock for S3 semantics (`--test-clock`): root may move it with `POST /_zonal/clock`.
   * Off by default; refused with more than one worker (each would have its own).
   */
  testClock?: boolean;
  /**
   * Cluster mode (`--metadata postgres://…`): the shared metadata database. With it, `blobs`
   * names the shared blob tier and `dataDir` holds only node-local scratch.
   */
  metadataUrl?: string;
  /**
   * Cluster mode (`--blob-grace`): seconds a replaced or deleted object's blobs stay, for
   * reads still running on other nodes (default 300).
   */
  blobGraceSeconds?: number;
  /** Seconds between lifecycle and inventory passes (`--maintenance-interval`; 0: on demand only). */
  maintenanceIntervalSeconds: number;
  /**
   * Not AWS (`--security-token-sessions`): accept a Zonal session token in
   * `X-Amz-Security-Token` as if it came in `x-amz-s3session-token`, for SDKs without S3
   * Express support. Off by default.
   */
  securityTokenSessions?: boolean;
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 9000,
  dataDir: './zonal-data',
  region: 'us-east-1',
  sessionDurationSeconds: 300,
  fsync: true,
  maxConnections: 1024,
  // S3 closes a connection that sends nothing for about 20 s with RequestTimeout.
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 65_000,
  workers: 1,
  maintenanceIntervalSeconds: 3600,
};

/** Regions look like `us-east-1`, `eu-central-2`, `us-gov-west-1`. */
export function isValidRegion(region: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region);
}
