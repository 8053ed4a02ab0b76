import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, isValidRegion, type ServerConfig } from '../config.js';
import { createLogger, logLevelFromEnv } from '../observability/request-log.js';
import { startZonal, type RunningZonal } from '../server/start.js';

export const SERVE_USAGE = `Usage: zonal serve [options]

  --host <addr>              listen address (default ${DEFAULT_CONFIG.host})
  --port <n>                 listen port (default ${DEFAULT_CONFIG.port}; 0 picks a free one)
  --data-dir <dir>           where data lives (default ${DEFAULT_CONFIG.dataDir})
  --region <region>          the region clients sign for (default ${DEFAULT_CONFIG.region})
  --session-duration <secs>  lifetime of CreateSession credentials (default ${DEFAULT_CONFIG.sessionDurationSeconds})
  --fsync=<true|false>       fsync every write (default true; false only for throwaway servers)
  --iam-file <file>          accounts, users and access keys (default <data-dir>/iam.json);
                             re-read when it changes, updated by the IAM API

Root credentials come from ZONAL_ROOT_ACCESS_KEY_ID / ZONAL_ROOT_SECRET_ACCESS_KEY, or are
generated once and kept in the data dir.`;

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`--${name} must be true or false`);
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function parseServeArgs(args: string[]): ServerConfig {
  // `--fsync` alone means true; parseArgs wants a value for string options.
  const normalized = args.map((a) =>
    a === '--fsync' ? '--fsync=true' : a === '--no-fsync' ? '--fsync=false' : a,
  );
  const { values } = parseArgs({
    args: normalized,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      region: { type: 'string' },
      'session-duration': { type: 'string' },
      fsync: { type: 'string' },
      'iam-file': { type: 'string' },
    },
  });
  const config: ServerConfig = {
    host: values.host ?? DEFAULT_CONFIG.host,
    port: values.port === undefined ? DEFAULT_CONFIG.port : parseInteger('port', values.port, 0, 65535),
    dataDir: values['data-dir'] ?? DEFAULT_CONFIG.dataDir,
    region: values.region ?? DEFAULT_CONFIG.region,
    sessionDurationSeconds:
      values['session-duration'] === undefined
        ? DEFAULT_CONFIG.sessionDurationSeconds
        : parseInteger('session-duration', values['session-duration'], 1, 12 * 3600),
    fsync: values.fsync === undefined ? DEFAULT_CONFIG.fsync : parseBoolean('fsync', values.fsync),
    ...(values['iam-file'] !== undefined ? { iamFile: values['iam-file'] } : {}),
  };
  if (!isValidRegion(config.region)) throw new Error(`--region ${config.region} is not a region name`);
  return config;
}

function banner(zonal: RunningZonal): string {
  const { identity, fromEnvironment } = zonal.root;
  const lines = [
    `Zonal listening on ${zonal.endpoint} (region ${zonal.config.region}, data in ${zonal.config.dataDir}, fsync ${zonal.config.fsync ? 'on' : 'off'})`,
  ];
  if (fromEnvironment) {
    lines.push(`Root credentials: access key ${identity.accessKeyId} from ZONAL_ROOT_ACCESS_KEY_ID.`);
    return lines.join('\n');
  }
  lines.push(
    '',
    `Root credentials (kept in ${zonal.config.dataDir}/root-credentials.json):`,
    `  AccessKeyId:     ${identity.accessKeyId}`,
    `  SecretAccessKey: ${identity.secretAccessKey}`,
    '',
    'AWS SDK for JavaScript v3:',
    `  import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';`,
    `  const s3 = new S3Client({`,
    `    endpoint: '${zonal.endpoint}',`,
    `    region: '${zonal.config.region}',`,
    `    credentials: { accessKeyId: '${identity.accessKeyId}', secretAccessKey: '${identity.secretAccessKey}' },`,
    `  });`,
    `  // create buckets with a second client that sets disableS3ExpressSessionAuth: true`,
    `  await s3.send(new PutObjectCommand({ Bucket: 'demo--use1-az4--x-s3', Key: 'hello.txt', Body: 'hi' }));`,
  );
  return lines.join('\n');
}

/** `zonal serve`: runs until SIGINT/SIGTERM, then shuts down gracefully. */
export async function serve(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const config = parseServeArgs(args);
  // Handlers go in before the banner: a signal sent as soon as it is printed must not kill us.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      console.log(`${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const logger = createLogger(logLevelFromEnv(process.env, 'info')); // JSON request lines on stdout
  const zonal = await startZonal(config, process.env, undefined, undefined, logger);
  console.log(banner(zonal));
  await stopped;
  await zonal.close();
  return 0;
}
