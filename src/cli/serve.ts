import fs from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, isValidRegion, type ServerConfig, type TlsConfig } from '../config.js';
import { createLogger, logLevelFromEnv } from '../observability/request-log.js';
import { startZonal, type RunningZonal } from '../server/start.js';
import { isWorker, startWorkers } from '../server/workers.js';
import { describeUrl } from '../storage/postgres/describe-url.js';
import type { AwsHostsSetup } from '../server/aws-hosts.js';

export const SERVE_USAGE = `Usage: zonal serve [options]

  --ephemeral                a throwaway server for tests: a new temporary data dir (removed at
                             exit, also on SIGINT/SIGTERM), fsync off, a free port unless --port
                             is given; prints one JSON line {"zonal":"ready",...} on stdout
  --host <addr>              listen address (default ${DEFAULT_CONFIG.host})
  --port <n>                 listen port (default ${DEFAULT_CONFIG.port}; 0 picks a free one)
  --data-dir <dir>           where data lives (default ${DEFAULT_CONFIG.dataDir})
  --metadata <url>           cluster mode: postgres://USER[:PASSWORD]@HOST:PORT/DB, the metadata
                             database every node shares (with --blobs, the tier every node
                             shares; --data-dir is then only this node's scratch). Nodes started
                             with the same two are one cluster (docs/CLUSTER.md)
  --blob-grace <secs>        cluster mode: how long replaced blobs stay for reads on other
                             nodes (default 300)
  --region <region>          the region clients sign for (default ${DEFAULT_CONFIG.region})
  --session-duration <secs>  lifetime of CreateSession credentials (default ${DEFAULT_CONFIG.sessionDurationSeconds})
  --fsync=<true|false>       fsync every write (default true; false only for throwaway servers)
  --inline-max-bytes <n>     objects and parts up to n bytes live in the database, not in files
                             (default 32768; 0: only empty ones)
  --blobs <spec>             where object bytes above the inline size live: dir:PATH (a local or
                             shared directory) or s3://BUCKET[/prefix] (an S3-compatible store;
                             credentials from ZONAL_BLOBS_ACCESS_KEY_ID / ZONAL_BLOBS_SECRET_ACCESS_KEY;
                             one prefix per data dir). Default: files in the data dir
  --blobs-endpoint <url>     the S3 store of --blobs s3://, e.g. http://127.0.0.1:7480
                             (default AWS S3 in --blobs-region)
  --blobs-region <region>    the region to sign --blobs s3:// requests for (default us-east-1)
  --iam-file <file>          accounts, users and access keys (default <data-dir>/iam.json);
                             re-read when it changes, updated by the IAM API
  --tls-cert <pem>           serve HTTPS with this certificate (chain) ...
  --tls-key <pem>            ... and this private key
  --tls-self-signed          serve HTTPS with a certificate for localhost, *.localhost,
                             zonal.localhost, *.zonal.localhost, 127.0.0.1 and ::1,
                             generated once into the data dir
  --aws-hosts                answer for the AWS names (s3express-control.<region>.amazonaws.com,
                             <bucket>.s3express-<zone>.<region>.amazonaws.com, IAM, STS) over
                             HTTPS with a certificate from a local CA made into the data dir, so
                             unchanged SDK code (no endpoint) works; prints how to point clients here
  --workers <n>              server processes sharing the port and data dir (default 1;
                             try the number of cores, see bench/README.md)
  --max-connections <n>      connections served at once; more get 503 SlowDown (default ${DEFAULT_CONFIG.maxConnections})
  --headers-timeout <secs>   time to send a request's headers (default ${DEFAULT_CONFIG.headersTimeoutMs / 1000})
  --request-timeout <secs>   time a request body or response may stall; then 400 RequestTimeout
                             (default ${DEFAULT_CONFIG.requestTimeoutMs / 1000})
  --security-token-sessions  not AWS: also accept a session token (CreateSession) sent as
                             X-Amz-Security-Token, for SDKs without S3 Express (off by default)
  --keep-alive-timeout <secs> time an idle connection stays open (default ${DEFAULT_CONFIG.keepAliveTimeoutMs / 1000})
  --console <true|false>     the web console at http(s)://<host>:<port>/console/ (default true;
                             sign in there with an access key pair)
  --faults                   enable fault injection for tests (zonal faults add|list|clear;
                             rules make requests fail, stall or reset; single process only)
  --journal-size <n>         requests the journal keeps for zonal journal (default 1000; 0: off)
  --maintenance-interval <secs> seconds between lifecycle and inventory passes
                             (default ${DEFAULT_CONFIG.maintenanceIntervalSeconds}; 0: only on demand, zonal lifecycle run)
  --test-clock               a clock for S3 semantics that root may move (POST /_zonal/clock);
                             for tests only, one worker only

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

/** What `zonal serve` was asked for: the server's configuration, and whether it is throwaway. */
export interface ServeOptions extends ServerConfig {
  /** `--ephemeral`: data in a temporary dir removed at exit, fsync off, a free port by default. */
  ephemeral: boolean;
}

/** The environment variable through which a `--ephemeral --workers` primary hands its dir to the workers. */
const EPHEMERAL_DIR_VARIABLE = 'ZONAL_EPHEMERAL_DATA_DIR';

export function parseServeArgs(args: string[]): ServeOptions {
  // `--fsync` alone means true; parseArgs wants a value for string options.
  const normalized = args.map((a) =>
    a === '--fsync' ? '--fsync=true' : a === '--no-fsync' ? '--fsync=false' : a,
  );
  const { values } = parseArgs({
    args: normalized,
    strict: true,
    allowPositionals: false,
    options: {
      ephemeral: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      metadata: { type: 'string' },
      'blob-grace': { type: 'string' },
      region: { type: 'string' },
      'session-duration': { type: 'string' },
      fsync: { type: 'string' },
      'inline-max-bytes': { type: 'string' },
      'iam-file': { type: 'string' },
      blobs: { type: 'string' },
      'blobs-endpoint': { type: 'string' },
      'blobs-region': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-self-signed': { type: 'boolean' },
      'aws-hosts': { type: 'boolean' },
      'max-connections': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      workers: { type: 'string' },
      'journal-size': { type: 'string' },
      faults: { type: 'boolean' },
      console: { type: 'string' },
      'maintenance-interval': { type: 'string' },
      'test-clock': { type: 'boolean' },
      'security-token-sessions': { type: 'boolean' },
    },
  });
  const seconds = (name: 'headers-timeout' | 'request-timeout' | 'keep-alive-timeout', fallbackMs: number) =>
    values[name] === undefined ? fallbackMs : parseInteger(name, values[name], 1, 3600) * 1000;
  const tls = tlsOption(
    values['tls-cert'],
    values['tls-key'],
    values['tls-self-signed'] ?? false,
    values['aws-hosts'] ?? false,
  );
  const ephemeral = values.ephemeral ?? false;
  if (ephemeral && values['data-dir'] !== undefined)
    throw new Error('--ephemeral makes its own data dir: it cannot be combined with --data-dir');
  if (ephemeral && values.fsync === 'true') throw new Error('--ephemeral turns fsync off');
  const blobs = blobsOption(values.blobs, values['blobs-endpoint'], values['blobs-region']);
  // A throwaway server's bytes would outlive it in the upstream.
  if (ephemeral && blobs !== undefined)
    throw new Error('--ephemeral keeps its data in a temporary dir: no --blobs');
  const config: ServeOptions = {
    ephemeral,
    host: values.host ?? DEFAULT_CONFIG.host,
    port:
      values.port === undefined
        ? ephemeral
          ? 0
          : DEFAULT_CONFIG.port
        : parseInteger('port', values.port, 0, 65535),
    dataDir: values['data-dir'] ?? DEFAULT_CONFIG.dataDir,
    region: values.region ?? DEFAULT_CONFIG.region,
    sessionDurationSeconds:
      values['session-duration'] === undefined
        ? DEFAULT_CONFIG.sessionDurationSeconds
        : parseInteger('session-duration', values['session-duration'], 1, 12 * 3600),
    fsync: ephemeral
      ? false
      : values.fsync === undefined
        ? DEFAULT_CONFIG.fsync
        : parseBoolean('fsync', values.fsync),
    ...(values['inline-max-bytes'] === undefined
      ? {}
      : { inlineMaxBytes: parseInteger('inline-max-bytes', values['inline-max-bytes'], 0, 1024 * 1024) }),
    ...(values['iam-file'] !== undefined ? { iamFile: values['iam-file'] } : {}),
    ...(blobs !== undefined ? { blobs } : {}),
    ...(values['security-token-sessions'] ? { securityTokenSessions: true } : {}),
    ...(tls !== undefined ? { tls } : {}),
    maxConnections:
      values['max-connections'] === undefined
        ? DEFAULT_CONFIG.maxConnections
        : parseInteger('max-connections', values['max-connections'], 1, 1_000_000),
    headersTimeoutMs: seconds('headers-timeout', DEFAULT_CONFIG.headersTimeoutMs),
    requestTimeoutMs: seconds('request-timeout', DEFAULT_CONFIG.requestTimeoutMs),
    keepAliveTimeoutMs: seconds('keep-alive-timeout', DEFAULT_CONFIG.keepAliveTimeoutMs),
    ...(values.faults ? { faults: true } : {}),
    ...(values.console !== undefined && !parseBoolean('console', values.console) ? { console: false } : {}),
    ...(values['journal-size'] === undefined
      ? {}
      : { journalSize: parseInteger('journal-size', values['journal-size'], 0, 1_000_000) }),
    workers:
      values.workers === undefined
        ? DEFAULT_CONFIG.workers
        : parseInteger('workers', values.workers, 1, availableParallelism() * 4),
    maintenanceIntervalSeconds:
      values['maintenance-interval'] === undefined
        ? DEFAULT_CONFIG.maintenanceIntervalSeconds
        : parseInteger('maintenance-interval', values['maintenance-interval'], 0, 7 * 86400),
    ...(values['test-clock'] ? { testClock: true } : {}),
    ...(values.metadata === undefined ? {} : { metadataUrl: values.metadata }),
    ...(values['blob-grace'] === undefined
      ? {}
      : { blobGraceSeconds: parseInteger('blob-grace', values['blob-grace'], 0, 7 * 86400) }),
  };
  if (config.metadataUrl !== undefined && config.blobs === undefined)
    throw new Error('--metadata needs --blobs: the blob tier every node of the cluster shares');
  if (config.blobGraceSeconds !== undefined && config.metadataUrl === undefined)
    throw new Error('--blob-grace applies to cluster mode (--metadata)');
  if (config.metadataUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.metadataUrl))
    throw new Error('--metadata must be a postgres:// URL');
  if (config.faults && config.workers > 1)
    throw new Error('--faults needs a single server process: each worker would have its own rules');
  // Each worker would keep its own offset: one process keeps the test clock coherent.
  if (config.testClock && config.workers > 1) throw new Error('--test-clock needs --workers 1');
  if (!isValidRegion(config.region)) throw new Error(`--region ${config.region} is not a region name`);
  return config;
}

/** `--blobs` and its two companions (checked further when the tier opens, storage/blob-tier.ts). */
function blobsOption(
  spec: string | undefined,
  endpoint: string | undefined,
  region: string | undefined,
): ServerConfig['blobs'] {
  if (spec === undefined) {
    if (endpoint !== undefined || region !== undefined)
      throw new Error('--blobs-endpoint and --blobs-region go with --blobs s3://BUCKET');
    return undefined;
  }
  return {
    spec,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
  };
}

function tlsOption(
  cert: string | undefined,
  key: string | undefined,
  selfSigned: boolean,
  awsHosts: boolean,
): TlsConfig | undefined {
  if (awsHosts) {
    if (cert !== undefined || key !== undefined || selfSigned)
      throw new Error('--aws-hosts makes its own certificate: it cannot be combined with --tls-*');
    return { awsHosts: true };
  }
  if (selfSigned) {
    if (cert !== undefined || key !== undefined)
      throw new Error('--tls-self-signed cannot be combined with --tls-cert/--tls-key');
    return { selfSigned: true };
  }
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new Error('--tls-cert and --tls-key go together');
  return { certFile: cert, keyFile: key };
}

/** How a client trusts the certificate, for the banner; nothing for plain HTTP. */
function tlsLines(zonal: Pick<RunningZonal, 'config'>, selfSigned: boolean): string[] {
  const tls = zonal.config.tls;
  if (tls === undefined || !('certFile' in tls)) return [];
  if (!selfSigned) return [`TLS certificate ${tls.certFile}`];
  return [
    `TLS: self-signed certificate for localhost, *.localhost, zonal.localhost, *.zonal.localhost, 127.0.0.1 and ::1 in ${tls.certFile}`,
    `  Node (JS SDK): NODE_EXTRA_CA_CERTS=${tls.certFile}, or in code:`,
    `    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: fs.readFileSync('${tls.certFile}') }) })`,
    `  Python (boto3), AWS CLI: AWS_CA_BUNDLE=${tls.certFile}, or boto3.client('s3', verify='${tls.certFile}'), or aws --ca-bundle ${tls.certFile}`,
    `  virtual-hosted style over HTTPS: endpoint https://zonal.localhost:<port> (its bucket names resolving here)`,
  ];
}

/** Where the data is, for the banner: never the database password. */
function whereData(config: ServerConfig): string {
  if (config.metadataUrl === undefined) return `data in ${config.dataDir}${blobsNote(config)}`;
  return `cluster: metadata ${describeUrl(config.metadataUrl)}${blobsNote(config)}, scratch in ${config.dataDir}`;
}

/** How clients reach `--aws-hosts` under the AWS names, for the banner. */
function awsHostsLines(setup: AwsHostsSetup, region: string): string {
  return [
    `AWS host names (s3express-control.${region}.amazonaws.com, <bucket>.s3express-<zone>.${region}.amazonaws.com, IAM, STS)`,
    `  are served with a certificate from the local CA ${setup.caFile}. Point unchanged clients here:`,
    `  Node:   ZONAL_AWS_HOSTS=${setup.target} NODE_EXTRA_CA_CERTS=${setup.caFile} node --import zonal/aws-hosts app.js`,
    `  Python: ZONAL_AWS_HOSTS=${setup.target} AWS_CA_BUNDLE=${setup.caFile} PYTHONPATH=${setup.pythonPath} python app.py`,
  ].join('\n');
}

/** Where blobs are, for the banner, if not in the data dir. */
function blobsNote(config: ServerConfig): string {
  const blobs = config.blobs;
  if (blobs === undefined) return '';
  return `, blobs in ${blobs.spec}${blobs.endpoint === undefined ? '' : ` at ${blobs.endpoint}`}`;
}

/**
 * The start-up banner. The root secret is printed only on the start that generated it, for
 * the operator to copy once; every later start names the access key id and where the secret
 * is (the file, or the environment), so logs of ordinary restarts never carry it.
 */
function banner(zonal: Pick<RunningZonal, 'root' | 'config' | 'endpoint'>, selfSigned: boolean): string {
  const { identity, fromEnvironment, generated } = zonal.root;
  const lines = [
    `Zonal listening on ${zonal.endpoint} (region ${zonal.config.region}, ${whereData(zonal.config)}, fsync ${zonal.config.fsync ? 'on' : 'off'})`,
    ...tlsLines(zonal, selfSigned),
    ...(zonal.config.console === false
      ? []
      : [`Web console: ${zonal.endpoint}/console/ (sign in with an access key pair)`]),
  ];
  if (fromEnvironment) {
    lines.push(
      `Root credentials: access key ${identity.accessKeyId} from ZONAL_ROOT_ACCESS_KEY_ID, ` +
        'secret from the environment (ZONAL_ROOT_SECRET_ACCESS_KEY).',
    );
    return lines.join('\n');
  }
  const file = path.join(zonal.config.dataDir, 'root-credentials.json');
  if (!generated) {
    lines.push(
      `Root credentials: access key ${identity.accessKeyId}, secret in ${file} ` +
        '(printed only on the start that generated it).',
    );
    return lines.join('\n');
  }
  lines.push(
    '',
    `Root credentials, generated now and kept in ${file} (the secret is not printed again):`,
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

/**
 * The line `zonal serve --ephemeral` prints on stdout once it listens, before any request log
 * line: one JSON object a test harness reads instead of parsing the banner. The root secret is
 * in it only when this start generated it (a throwaway server's credentials die with it);
 * credentials from the environment are never echoed.
 */
export function readyLine(
  zonal: Pick<RunningZonal, 'root' | 'config' | 'endpoint' | 'port'>,
  awsHosts?: AwsHostsSetup,
): string {
  const { identity, generated } = zonal.root;
  return JSON.stringify({
    zonal: 'ready',
    endpoint: zonal.endpoint,
    port: zonal.port,
    region: zonal.config.region,
    accountId: identity.accountId,
    accessKeyId: identity.accessKeyId,
    ...(generated ? { secretAccessKey: identity.secretAccessKey } : {}),
    dataDir: zonal.config.dataDir,
    pid: process.pid,
    ...(awsHosts !== undefined ? { awsHosts } : {}),
  });
}

/**
 * The temporary data dir of `--ephemeral`: made here (or, in a `--workers` worker, the one its
 * primary made), removed by `remove()` and, as a last resort, when the process exits.
 */
function ephemeralDataDir(): { dir: string; remove(): void } {
  const inherited = isWorker() ? process.env[EPHEMERAL_DIR_VARIABLE] : undefined;
  if (inherited !== undefined) return { dir: inherited, remove: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-ephemeral-'));
  // Workers forked later inherit the environment, and with it the dir.
  process.env[EPHEMERAL_DIR_VARIABLE] = dir;
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return { dir, remove };
}

/** `zonal serve`: runs until SIGINT/SIGTERM, then shuts down gracefully. */
export async function serve(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(SERVE_USAGE);
    return 0;
  }
  let config = parseServeArgs(args);
  const ephemeral = config.ephemeral ? ephemeralDataDir() : undefined;
  if (ephemeral !== undefined) config = { ...config, dataDir: ephemeral.dir };
  // Handlers go in before the banner: a signal sent as soon as it is printed must not kill us.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      (ephemeral ? console.error : console.log)(`${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // An ephemeral server's stdout starts with its ready line; the banner goes to stderr.
  const announce = async (
    zonal: Pick<RunningZonal, 'root' | 'config' | 'endpoint' | 'port'>,
    extra = '',
  ): Promise<void> => {
    // Loaded only for --aws-hosts: it brings node:tls, which plain HTTP need not pay for at start-up.
    const awsHosts =
      config.tls !== undefined && 'awsHosts' in config.tls
        ? (await import('../server/aws-hosts.js')).writeAwsHostsSetup(
            zonal.config.dataDir,
            zonal.config.host,
            zonal.port,
          )
        : undefined;
    const hostsLines = awsHosts === undefined ? '' : '\n' + awsHostsLines(awsHosts, zonal.config.region);
    if (ephemeral === undefined) {
      console.log(banner(zonal, selfSigned) + hostsLines + extra);
      return;
    }
    console.log(readyLine(zonal, awsHosts));
    console.error(
      banner({ ...zonal, root: { ...zonal.root, generated: false } }, selfSigned) + hostsLines + extra,
    );
  };
  const selfSigned = config.tls !== undefined && 'selfSigned' in config.tls;
  try {
    if (config.workers > 1 && !isWorker()) {
      const workers = await startWorkers(config, process.env, (message) => console.warn('warning:', message));
      await announce(workers, `\n${config.workers} worker processes share the port.`);
      await stopped;
      await workers.close();
      return 0;
    }
    const logger = createLogger(logLevelFromEnv(process.env, 'info')); // JSON request lines on stdout
    const zonal = await startZonal(config, process.env, undefined, undefined, logger);
    // A worker's primary prints the banner once for all.
    if (!isWorker()) await announce(zonal);
    await stopped;
    await zonal.close();
    // The IPC channel to the primary would keep a worker alive.
    if (isWorker()) process.disconnect?.();
    return 0;
  } finally {
    ephemeral?.remove();
  }
}
