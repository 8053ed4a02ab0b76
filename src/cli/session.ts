import { parseArgs } from 'node:util';
import { createSession, type SessionCredentials } from '../client/create-session.js';
import { zonalConnectionFromEnv } from '../client/environment.js';
import type { SessionMode } from '../client/session-mode.js';
import { zonalS3Client } from '../client/zonal-client.js';

/** Options every client command takes (`zonal session`, `zonal bucket`). */
export const CONNECTION_USAGE = `  --endpoint <url>     the server (default $ZONAL_ENDPOINT or http://127.0.0.1:9000)
  --region <region>    its region (default $ZONAL_REGION, $AWS_REGION or us-east-1)

Credentials come from ZONAL_ACCESS_KEY_ID / ZONAL_SECRET_ACCESS_KEY, else
ZONAL_ROOT_ACCESS_KEY_ID / ZONAL_ROOT_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN).`;

export const SESSION_USAGE = `Usage: zonal session create --bucket <name> [options]

Creates S3 Express session credentials (CreateSession) and prints AccessKeyId,
SecretAccessKey, SessionToken and Expiration.

  --bucket <name>      the directory bucket
  --mode <mode>        ReadWrite or ReadOnly (default: the server picks, ReadWrite if allowed)
  --format <format>    json (the Credentials object, default) or env (shell export lines)
${CONNECTION_USAGE}`;

/** S3 timestamps without fractional seconds, as the wire carries them. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** Quotes a value for a POSIX shell unless it is plainly safe. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9+/=_.:-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The credentials as JSON (`--format json`) or shell `export` lines (`--format env`). */
export function formatCredentials(credentials: SessionCredentials, format: 'json' | 'env'): string {
  if (format === 'json') {
    return JSON.stringify({ ...credentials, Expiration: isoSeconds(credentials.Expiration) }, null, 2);
  }
  return [
    `export AWS_ACCESS_KEY_ID=${shellValue(credentials.AccessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${shellValue(credentials.SecretAccessKey)}`,
    `export AWS_SESSION_TOKEN=${shellValue(credentials.SessionToken)}`,
    `# Expiration: ${isoSeconds(credentials.Expiration)} (S3 Express sends the token as x-amz-s3session-token)`,
  ].join('\n');
}

/** A failure as one line: the S3 error code when there is one, and the message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = err.name !== 'Error' ? `${err.name}${status ? ` (${status})` : ''}: ` : '';
  return `${code}${err.message}`;
}

function parseMode(value: string | undefined): SessionMode | undefined {
  if (value === undefined || value === 'ReadWrite' || value === 'ReadOnly') return value;
  throw new Error('--mode must be ReadWrite or ReadOnly');
}

function parseFormat(value: string | undefined): 'json' | 'env' {
  if (value === undefined || value === 'json' || value === 'env') return value ?? 'json';
  throw new Error('--format must be json or env');
}

/** `zonal session create`: prints fresh session credentials; returns the exit code. */
export async function session(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(SESSION_USAGE);
    return subcommand === undefined ? 1 : 0;
  }
  if (subcommand !== 'create') {
    console.error(`unknown session command: ${subcommand}\n\n${SESSION_USAGE}`);
    return 1;
  }
  let clients;
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        bucket: { type: 'string' },
        mode: { type: 'string' },
        format: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(SESSION_USAGE);
      return 0;
    }
    if (values.bucket === undefined) throw new Error('--bucket is required');
    const sessionMode = parseMode(values.mode);
    const format = parseFormat(values.format);
    clients = zonalS3Client(zonalConnectionFromEnv(process.env, values));
    const { Credentials, CreationSession } = await createSession(clients.control, {
      bucket: values.bucket,
      ...(sessionMode !== undefined ? { sessionMode } : {}),
    });
    // The bucket does not exist: the server offered a session good only for creating it.
    if (CreationSession) throw new Error(`NoSuchBucket (404): ${values.bucket} does not exist`);
    console.log(formatCredentials(Credentials, format));
    return 0;
  } catch (err) {
    console.error(`zonal session create: ${describeError(err)}`);
    return 1;
  } finally {
    clients?.destroy();
  }
}
