/**
 * The request log: one JSON line per request, written by pino. Lines carry who asked for what
 * and how it went; never credentials (no secret key, session token, signature or
 * Authorization header is ever put in a line: the fields are listed here and nowhere else).
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = Level | 'silent';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** One request as logged (absent fields are left out of the line). */
export interface RequestLogLine {
  reqId: string;
  method: string;
  /** Operation name (e.g. GetObject), IAM/STS for the Query API, Metrics, or Unknown. */
  op: string;
  bucket: string | undefined;
  /** HTTP status sent; absent if the connection ended before headers were sent. */
  status: number | undefined;
  /** S3 error code when the request failed. */
  code: string | undefined;
  /** Present (true) when the response never completed. */
  aborted: true | undefined;
  /** Bytes read from / written to the connection for this request, headers included. */
  bytesIn: number;
  bytesOut: number;
  /** Milliseconds from request headers received to response finished. */
  ms: number;
  /** The signing access key id (IAM or session key), once the signature verified. */
  accessKeyId: string | undefined;
}

/** The level `ZONAL_LOG_LEVEL` asks for, else `fallback`; a name pino does not know is an error. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv, fallback: LogLevel): LogLevel {
  const value = env.ZONAL_LOG_LEVEL;
  if (value === undefined || value === '') return fallback;
  if (!(LEVELS as readonly string[]).includes(value)) {
    throw new Error(`ZONAL_LOG_LEVEL must be one of ${LEVELS.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as LogLevel;
}

/** Bytes gathered before a write to stdout, and the longest a line waits for them. */
const BATCH_BYTES = 4096;
const BATCH_MS = 1000;

/**
 * A pino logger writing JSON lines to `destination`, by default stdout through pino's
 * asynchronous destination with batching (pino's advice for throughput): one write per
 * 4 KiB of lines instead of one per line, never blocking the event loop. A timer pushes a
 * partial batch out every second; ZonalServer.close flushes the rest. A crash loses at most
 * the last second of lines.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  if (destination !== undefined) return pino({ level, base: { pid: process.pid } }, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  const timer = setInterval(() => stdout.flush(), BATCH_MS).unref();
  stdout.once('close', () => clearInterval(timer));
  return pino({ level, base: { pid: process.pid } }, stdout);
}

/** Waits until what the logger buffered has been written. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => resolve());
  });
}
