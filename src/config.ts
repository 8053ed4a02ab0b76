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
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 9000,
  dataDir: './zonal-data',
  region: 'us-east-1',
  sessionDurationSeconds: 300,
  fsync: true,
};

/** Regions look like `us-east-1`, `eu-central-2`, `us-gov-west-1`. */
export function isValidRegion(region: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region);
}
