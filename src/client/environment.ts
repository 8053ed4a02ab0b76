import type { AwsCredentialIdentity } from '@smithy/types';

/** Where a Zonal server is and the IAM credentials to use with it. */
export interface ZonalConnection {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentity;
}

/** The endpoint of `zonal serve` with its defaults. */
export const DEFAULT_ZONAL_ENDPOINT = 'http://127.0.0.1:9000';

/** Environment variable pairs tried in order for IAM credentials. */
const CREDENTIAL_VARIABLES = [
  ['ZONAL_ACCESS_KEY_ID', 'ZONAL_SECRET_ACCESS_KEY', undefined],
  ['ZONAL_ROOT_ACCESS_KEY_ID', 'ZONAL_ROOT_SECRET_ACCESS_KEY', undefined],
  ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
] as const;

/**
 * Connection settings from explicit values, else the environment: `ZONAL_ENDPOINT` (default
 * `http://127.0.0.1:9000`), `ZONAL_REGION` / `AWS_REGION` (default `us-east-1`), and
 * credentials from `ZONAL_ACCESS_KEY_ID`/`ZONAL_SECRET_ACCESS_KEY`, else
 * `ZONAL_ROOT_ACCESS_KEY_ID`/`ZONAL_ROOT_SECRET_ACCESS_KEY` (what `zonal serve` reads), else
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN`).
 *
 * @throws Error naming the variables when no credentials are set.
 */
export function zonalConnectionFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  explicit: { endpoint?: string | undefined; region?: string | undefined } = {},
): ZonalConnection {
  const endpoint = explicit.endpoint ?? env['ZONAL_ENDPOINT'] ?? DEFAULT_ZONAL_ENDPOINT;
  const region = explicit.region ?? env['ZONAL_REGION'] ?? env['AWS_REGION'] ?? 'us-east-1';
  for (const [idVar, secretVar, tokenVar] of CREDENTIAL_VARIABLES) {
    const accessKeyId = env[idVar];
    const secretAccessKey = env[secretVar];
    if (!accessKeyId || !secretAccessKey) continue;
    const sessionToken = tokenVar === undefined ? undefined : env[tokenVar];
    return {
      endpoint,
      region,
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    };
  }
  throw new Error(
    'no credentials: set ZONAL_ACCESS_KEY_ID and ZONAL_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
  );
}
