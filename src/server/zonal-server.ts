import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from '../auth/authenticate.js';
import { newRequestId } from '../auth/random-ids.js';
import { QueryApi } from '../iam-api/query-api.js';
import { queryServiceOf } from '../iam-api/query-request.js';
import type { Exposition, PrometheusExporter } from '../observability/prometheus.js';
import { flushLogger, type Logger } from '../observability/request-log.js';
import { RequestObserver, type RequestRecord } from '../observability/request-observer.js';
import { HANDLERS } from '../operations/handlers.js';
import { invalidUri, parseQuery } from '../protocol/query.js';
import { createHttpFront } from './http-front.js';
import { isBrowserPostUpload, operationFor, unsupportedOperationName } from './operation-table.js';
import type { RequestContext } from '../http/request-context.js';
import { isBotocore, resolveTarget } from '../http/request-target.js';
import { sendError, setCommonHeaders } from '../http/respond.js';
import { settleUnreadBody } from '../http/unread-body.js';
import { notImplemented, S3Error, toS3Error } from '../errors/s3-error.js';
import type { ZonalServices } from '../operations/services.js';

export interface ZonalServerOptions {
  services: ZonalServices;
  /** Called for failures that are the server's fault (never for a client's mistake). */
  onInternalError?: (err: unknown) => void;
  /**
   * Request log (one JSON line per request at info) and internal errors (error level, with
   * stack). Absent: nothing is logged. Flushed by close().
   */
  logger?: Logger | undefined;
}

/** `GET /metrics`: never a bucket, since directory bucket names end in `--x-s3`. */
const METRICS_PATH = '/metrics';

/**
 * The HTTP front: route → authenticate → authorize → handler → response. Each step is a
 * separate module; this file only sequences them and renders failures.
 */
export class ZonalServer {
  readonly http: http.Server;
  private readonly authenticator: Authenticator;
  /** IAM and STS (Query protocol), recognised by the credential scope. */
  private readonly queryApi: QueryApi;
  /** Request counters, latency and the request log. */
  private readonly observer: RequestObserver;
  /** The /metrics renderer, loaded with prom-client on the first scrape. */
  private exporter: Promise<PrometheusExporter> | undefined;

  constructor(private readonly options: ZonalServerOptions) {
    const { services } = options;
    this.observer = new RequestObserver(options.logger);
    this.authenticator = new Authenticator(services.config.region, services.identities, services.sessions, {
      securityTokenSessions: services.config.securityTokenSessions === true,
    });
    this.queryApi = new QueryApi({
      authenticator: this.authenticator,
      identities: services.identities,
      region: services.config.region,
      onInternalError: (err) => this.internalError(err, undefined),
    });
    this.http = createHttpFront((req, res) => void this.handle(req, res), services.config);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections, lets in-flight requests finish, closes idle sockets, flushes the log. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
    });
    if (this.options.logger) await flushLogger(this.options.logger);
  }

  /** The Prometheus exposition served at /metrics. */
  async metrics(): Promise<Exposition> {
    this.exporter ??= import('../observability/prometheus.js').then(
      ({ PrometheusExporter }) =>
        new PrometheusExporter({
          requests: this.observer.metrics,
          sessionsCreated: () => this.options.services.stats.sessionsCreated,
        }),
    );
    return (await this.exporter).render();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const receivedAt = new Date();
    const record = this.observer.begin(req, res, requestId);
    setCommonHeaders(res, requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    if (rawPath === METRICS_PATH && method === 'GET' && isServerPath(req.headers.host)) {
      record.op = 'Metrics';
      await this.serveMetrics(req, res, record, rawPath);
      return;
    }
    const queryService = queryServiceOf(rawPath, req.rawHeaders, rawQuery);
    if (queryService !== undefined) {
      record.op = queryService === 'iam' ? 'IAM' : 'STS';
      await this.queryApi.handle(queryService, req, res, {
        requestId,
        receivedAt,
        method,
        rawPath,
        rawQuery,
      });
      return;
    }
    try {
      if (!rawPath.startsWith('/')) throw invalidUri();
      const query = parseQuery(rawQuery);
      const target = resolveTarget(req.headers.host, rawPath, isBotocore(req.headers['user-agent']));
      record.bucket = target.bucket;
      const op = operationFor(method, target, query, req.headers);
      if (op !== undefined) record.op = op;
      // PostObject carries its signature in the form, not in SigV4 headers: refused before
      // authentication (which would answer AccessDenied), and nothing else happens for it.
      if (op === undefined && isBrowserPostUpload(method, target, req.headers)) {
        record.op = 'Unsupported';
        throw notImplemented('PostObject is not supported by directory buckets.');
      }
      // Authenticate before anything else is revealed about the request.
      const auth = this.authenticator.authenticate(
        { method, rawPath, rawQuery, rawHeaders: req.rawHeaders },
        op,
        receivedAt,
      );
      record.accessKeyId = auth.sigv4.accessKeyId;
      if (op === undefined) {
        throw new S3Error('MethodNotAllowed');
      }
      if (op === 'Unsupported') {
        throw notImplemented(
          `${unsupportedOperationName(method, target, query)} is not supported by directory buckets.`,
        );
      }
      const handler = HANDLERS[op];
      if (!handler) throw notImplemented(`${op} is not supported by directory buckets in Zonal.`);
      const ctx: RequestContext = {
        req,
        res,
        requestId,
        receivedAt,
        rawPath,
        rawQuery,
        query,
        target,
        op,
        auth,
      };
      const { store, authorizer } = this.options.services;
      const bucket = target.bucket === undefined ? undefined : await store.getBucket(target.bucket);
      authorizer.authorize(ctx, () => bucket);
      await handler(ctx, this.options.services);
    } catch (err) {
      this.fail(req, res, record, rawPath, err);
    }
  }

  private async serveMetrics(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RequestRecord,
    rawPath: string,
  ): Promise<void> {
    try {
      const { contentType, body } = await this.metrics();
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    } catch (err) {
      this.fail(req, res, record, rawPath, err);
    }
  }

  private internalError(err: unknown, requestId: string | undefined): void {
    this.observer.internalError(err, requestId);
    this.options.onInternalError?.(err);
  }

  private fail(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RequestRecord,
    rawPath: string,
    err: unknown,
  ): void {
    const { requestId } = record;
    const s3err = toS3Error(err);
    const clientWentAway = (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (!clientWentAway) record.errorCode = s3err.code;
    if (!(err instanceof S3Error) && !clientWentAway) this.internalError(err, requestId);
    if (res.headersSent) {
      // Too late for an error document: cut the connection so the client sees a failure.
      res.destroy();
      return;
    }
    // An unread body is read and dropped first (bounded), or the connection closed after the
    // answer when the client still awaits 100 Continue or the body is too large: either way
    // the client reads the error instead of a reset (src/http/unread-body.ts).
    settleUnreadBody(req, res, () => sendError(res, req.method ?? 'GET', requestId, rawPath, s3err));
  }
}

/** True unless Host names a bucket (virtual-hosted style): then /metrics is that bucket's key. */
function isServerPath(host: string | undefined): boolean {
  return resolveTarget(host, METRICS_PATH).style === 'path';
}
