/**
 * Follows each request from arrival to the response's 'close' and records it once: counters
 * and latency in RequestMetrics, and a request log line when the logger takes info.
 *
 * Bytes are counted on the connection: the growth of `socket.bytesRead` / `bytesWritten`
 * since the previous request on the same socket ended. That covers bodies of every encoding
 * (aws-chunked, chunked, a body cut short) and costs two reads per request; it includes the
 * request and status lines and headers, so it is at least the bodies' size. Totals are exact;
 * a kept-alive client that already sent its next request may see those bytes counted for the
 * previous one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AuthKind, JournalEntry, RequestJournal } from './journal.js';
import type { Logger, RequestLogLine } from './request-log.js';
import { ABORTED, RequestMetrics } from './request-metrics.js';

const RECORD = Symbol('zonal.requestRecord');
const READ_MARK = Symbol('zonal.bytesReadMark');
const WRITTEN_MARK = Symbol('zonal.bytesWrittenMark');

type ObservedResponse = ServerResponse & { [RECORD]?: RequestRecord };
type MarkedSocket = Socket & { [READ_MARK]?: number; [WRITTEN_MARK]?: number };

/** What the request flow learns about a request; the server fills these in as it goes. */
export class RequestRecord {
  op = 'Unknown';
  bucket: string | undefined = undefined;
  accessKeyId: string | undefined = undefined;
  errorCode: string | undefined = undefined;
  /** For the journal: the key, how the request was signed, and a fault rule that answered it. */
  key: string | undefined = undefined;
  auth: AuthKind | undefined = undefined;
  presigned = false;
  fault: string | undefined = undefined;
  /** Wall-clock arrival time (ms since the epoch). */
  readonly arrivedAt = Date.now();
  /** The bucket's metrics configurations (ids) this request counts for. */
  metricsIds: readonly string[] | undefined = undefined;
  /** The bucket those configurations belong to (the access point's bucket through one). */
  metricsBucket: string | undefined = undefined;

  constructor(
    readonly observer: RequestObserver,
    readonly requestId: string,
    readonly method: string,
    readonly socket: MarkedSocket,
    readonly startedAt: number,
  ) {}
}

/** One listener for every response (`this` is the response): no closure per request. */
function onResponseClose(this: ObservedResponse): void {
  const record = this[RECORD];
  if (record !== undefined) record.observer.finish(record, this);
}

/** Requests of the admin API (`/_zonal/…`) are counted but not journaled: reading the journal must not fill it. */
export const ADMIN_OP = 'Admin';
/** The operation name of the web console's files (`/console/…`), not journaled either. */
export const CONSOLE_OP = 'Console';

export class RequestObserver {
  readonly metrics = new RequestMetrics();
  private readonly logRequests: boolean;

  constructor(
    private readonly logger: Logger | undefined,
    private readonly journal?: RequestJournal,
  ) {
    this.logRequests = logger?.isLevelEnabled('info') ?? false;
  }

  /** Starts following a request; returns the record the server fills in. */
  begin(req: IncomingMessage, res: ServerResponse, requestId: string): RequestRecord {
    const record = new RequestRecord(
      this,
      requestId,
      req.method ?? 'GET',
      req.socket as MarkedSocket,
      performance.now(),
    );
    (res as ObservedResponse)[RECORD] = record;
    res.on('close', onResponseClose);
    return record;
  }

  finish(record: RequestRecord, res: ServerResponse): void {
    const ms = performance.now() - record.startedAt;
    const { socket } = record;
    const read = socket.bytesRead;
    const written = socket.bytesWritten ?? 0;
    const bytesIn = read - (socket[READ_MARK] ?? 0);
    const bytesOut = written - (socket[WRITTEN_MARK] ?? 0);
    socket[READ_MARK] = read;
    socket[WRITTEN_MARK] = written;
    const completed = res.writableFinished;
    const status = completed ? res.statusCode : ABORTED;
    this.metrics.record(record.op, status, ms / 1000, bytesIn, bytesOut);
    if (record.errorCode !== undefined) this.metrics.recordError(record.errorCode);
    if (record.metricsIds !== undefined && record.metricsBucket !== undefined) {
      for (const id of record.metricsIds) {
        this.metrics.recordFiltered(record.metricsBucket, id, record.op, status, bytesIn, bytesOut);
      }
    }
    if (
      this.journal !== undefined &&
      this.journal.capacity > 0 &&
      record.op !== ADMIN_OP &&
      record.op !== CONSOLE_OP
    ) {
      // Built field by field, not with spreads: this runs once per request.
      const entry: Omit<JournalEntry, 'seq'> = {
        time: new Date(record.arrivedAt).toISOString(),
        reqId: record.requestId,
        method: record.method,
        op: record.op,
        ms: Math.round(ms * 1000) / 1000,
      };
      if (record.bucket !== undefined) entry.bucket = record.bucket;
      if (record.key !== undefined) entry.key = record.key;
      if (record.auth !== undefined) entry.auth = record.auth;
      if (record.presigned) entry.presigned = true;
      if (record.accessKeyId !== undefined) entry.accessKeyId = record.accessKeyId;
      if (res.headersSent) entry.status = res.statusCode;
      if (record.errorCode !== undefined) entry.code = record.errorCode;
      if (!completed) entry.aborted = true;
      if (record.fault !== undefined) entry.fault = record.fault;
      this.journal.add(entry);
    }
    if (!this.logRequests) return;
    const line: RequestLogLine = {
      reqId: record.requestId,
      method: record.method,
      op: record.op,
      bucket: record.bucket,
      status: res.headersSent ? res.statusCode : undefined,
      code: record.errorCode,
      aborted: completed ? undefined : true,
      bytesIn,
      bytesOut,
      ms: Math.round(ms * 1000) / 1000,
      accessKeyId: record.accessKeyId,
    };
    this.logger!.info(line);
  }

  /** A failure that is the server's fault, with its stack. */
  internalError(err: unknown, requestId: string | undefined): void {
    this.logger?.error({ err, reqId: requestId }, 'internal error');
  }
}
