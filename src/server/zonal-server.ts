import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from '../auth/authenticate.js';
import { newRequestId } from '../auth/random-ids.js';
import { QueryApi } from '../iam-api/query-api.js';
import { queryServiceOf } from '../iam-api/query-request.js';
import type { Exposition, PrometheusExporter } from '../observability/prometheus.js';
import { flushLogger, type Logger } from '../observability/request-log.js';
import { DEFAULT_JOURNAL_SIZE, RequestJournal } from '../observability/journal.js';
import {
  ADMIN_OP,
  CONSOLE_OP,
  RequestObserver,
  type RequestRecord,
} from '../observability/request-observer.js';
import { AdminApi, type AdminRoute } from './admin-api.js';
import { journalRoutes } from './admin-journal.js';
import { faultRoutes } from './admin-faults.js';
import { explainRoutes } from './admin-explain.js';
import { metricsRoutes } from './admin-metrics.js';
import {
  CONSOLE_PREFIX,
  CONSOLE_SECURITY_HEADERS,
  ConsoleAssets,
  defaultWebRoot,
} from '../console/console-assets.js';
import { FaultRules, stallBody, type FaultRule } from './faults.js';
import { HANDLERS } from '../operations/handlers.js';
import { matchingMetricsIds } from '../operations/metrics-configurations.js';
import { ControlApi, controlRoute, isControlPath } from '../operations/control/control-api.js';
import { invalidUri, queryMap, queryParams } from '../protocol/query.js';
import { createHttpFront } from './http-front.js';
import { isBrowserPostUpload, operationFor, unsupportedOperationName } from './operation-table.js';
import type { RequestContext } from '../http/request-context.js';
import { isBotocore, resolveTarget } from '../http/request-target.js';
import { sendError, setCommonHeaders, setLeadingHeaders } from '../http/respond.js';
import { settleUnreadBody } from '../http/unread-body.js';
import { noSuchAccessPoint, noSuchBucket, notImplemented, S3Error, toS3Error } from '../errors/s3-error.js';
import { checkAccessPointOperation } from '../access/access-points.js';
import { accessPointArn, isAccessPointName } from '../protocol/bucket-names.js';
import type { AccessPointRecord } from '../storage/types.js';
import type { ZonalServices } from '../operations/services.js';
import { maintenanceRoutes, type MaintenanceHooks } from './maintenance-api.js';

export interface ZonalServerOptions {
  services: ZonalServices;
  /** Called for failures that are the server's fault (never for a client's mistake). */
  onInternalError?: (err: unknown) => void;
  /**
   * Request log (one JSON line per request at info) and internal errors (error level, with
   * stack). Absent: nothing is logged. Flushed by close().
   */
  logger?: Logger | undefined;
  /** More admin API routes under `/_zonal/` (admin-api.ts), beside the built-in ones. */
  adminRoutes?: readonly AdminRoute[];
  /** The root-only `/_zonal/…` operations: test clock, lifecycle and inventory runs. */
  maintenance?: MaintenanceHooks;
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
  /** The S3 Control API (access points and tags), recognised by its `/v20180820/` path. */
  private readonly controlApi: ControlApi;
  /** Request counters, latency and the request log. */
  private readonly observer: RequestObserver;
  /** The /metrics renderer, loaded with prom-client on the first scrape. */
  private exporter: Promise<PrometheusExporter> | undefined;
  /** The last requests answered (`GET /_zonal/journal`). */
  readonly journal: RequestJournal;
  /** Fault injection rules (`--faults`, `/_zonal/faults`). */
  readonly faults: FaultRules;
  /** Root-only routes under `/_zonal/`. */
  private readonly admin: AdminApi;
  /** The web console's files (`/console/`); undefined with `--console false`. */
  private readonly console: ConsoleAssets | undefined;

  constructor(private readonly options: ZonalServerOptions) {
    const { services } = options;
    this.journal = new RequestJournal(services.config.journalSize ?? DEFAULT_JOURNAL_SIZE);
    this.observer = new RequestObserver(options.logger, this.journal);
    this.authenticator = new Authenticator(services.config.region, services.identities, services.sessions, {
      securityTokenSessions: services.config.securityTokenSessions === true,
    });
    this.faults = new FaultRules(services.config.faults ?? false);
    this.admin = new AdminApi(
      [
        ...journalRoutes(this.journal),
        ...faultRoutes(this.faults),
        ...maintenanceRoutes(options.maintenance ?? {}),
        ...metricsRoutes(this.observer.metrics, () => services.stats.sessionsCreated),
        ...explainRoutes(services),
        ...(options.adminRoutes ?? []),
      ],
      this.authenticator,
      services.root,
      services.bodyBudget,
    );
    this.queryApi = new QueryApi({
      authenticator: this.authenticator,
      identities: services.identities,
      region: services.config.region,
      bodyBudget: services.bodyBudget,
      onInternalError: (err) => this.internalError(err, undefined),
    });
    this.controlApi = new ControlApi({ authenticator: this.authenticator, services });
    this.console =
      services.config.console === false
        ? undefined
        : new ConsoleAssets(defaultWebRoot(), {
            // What the browser cannot know before signing in: the region to sign for.
            'config.json': () => ({ region: services.config.region }),
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
          lifecycleExpiredObjects: () => this.options.services.stats.lifecycleExpiredObjects,
          lifecycleAbortedUploads: () => this.options.services.stats.lifecycleAbortedUploads,
        }),
    );
    return (await this.exporter).render();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const receivedAt = new Date();
    const now = this.options.services.clock.now();
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
    if (this.console && isConsolePath(rawPath) && isServerPath(req.headers.host)) {
      record.op = CONSOLE_OP;
      try {
        this.serveConsole(req, res, rawPath, method);
      } catch (err) {
        this.fail(req, res, record, rawPath, err);
      }
      return;
    }
    if (AdminApi.isAdminPath(rawPath) && isServerPath(req.headers.host)) {
      record.op = ADMIN_OP;
      try {
        await this.admin.handle(req, res, { receivedAt, rawPath, rawQuery });
      } catch (err) {
        this.fail(req, res, record, rawPath, err);
      }
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
    if (isControlPath(rawPath)) {
      record.op = controlRoute(method, rawPath)?.op ?? 'S3Control';
      try {
        await this.controlApi.handle(req, res, { requestId, receivedAt, method, rawPath, rawQuery });
      } catch (err) {
        this.fail(req, res, record, rawPath, err);
      }
      return;
    }
    try {
      if (!rawPath.startsWith('/')) throw invalidUri();
      const params = queryParams(rawQuery);
      const query = queryMap(params);
      let target = resolveTarget(req.headers.host, rawPath, isBotocore(req.headers['user-agent']));
      record.bucket = target.bucket;
      record.key = target.key;
      const op = operationFor(method, target, query, req.headers);
      if (op !== undefined) record.op = op;
      // PostObject carries its signature in the form, not in SigV4 headers: refused before
      // authentication (which would answer AccessDenied), and nothing else happens for it.
      if (op === undefined && isBrowserPostUpload(method, target, req.headers)) {
        record.op = 'Unsupported';
        throw notImplemented('PostObject is not supported by directory buckets.');
      }
      record.auth = isSigned(req, rawQuery) ? 'Unverified' : 'Anonymous';
      // Authenticate before anything else is revealed about the request.
      const auth = this.authenticator.authenticate(
        { method, rawPath, rawQuery, rawHeaders: req.rawHeaders, params },
        op,
        receivedAt,
        undefined,
        now,
      );
      record.accessKeyId = auth.sigv4.accessKeyId;
      record.auth =
        auth.principal.kind === 'iam'
          ? 'IAM'
          : auth.principal.claims.mode === 'ReadOnly'
            ? 'SessionReadOnly'
            : 'SessionReadWrite';
      record.presigned = auth.sigv4.form === 'query';
      if (op === undefined) {
        throw new S3Error('MethodNotAllowed');
      }
      if (op === 'Unsupported') {
        throw notImplemented(
          `${unsupportedOperationName(method, target, query)} is not supported by directory buckets.`,
        );
      }
      if (this.faults.enabled) {
        const fault = this.faults.match({ op, bucket: target.bucket, key: target.key, auth: record.auth });
        if (fault !== undefined && (await injectFault(fault, req, res, record))) return;
      }
      const handler = HANDLERS[op];
      if (!handler) throw notImplemented(`${op} is not supported by directory buckets in Zonal.`);
      const { store, authorizer } = this.options.services;
      // An access point named in place of the bucket: the request goes to its bucket, with
      // the access point's scope and policy (access/access-points.ts).
      let accessPoint: AccessPointRecord | undefined;
      if (target.bucket !== undefined && isAccessPointName(target.bucket) && op !== 'CreateBucket') {
        accessPoint = await store.getAccessPoint(target.bucket);
        if (!accessPoint) throw noSuchAccessPoint(target.bucket);
        checkAccessPointOperation(op);
        target = { ...target, bucket: accessPoint.bucket, accessPoint: accessPoint.name };
      }
      const ctx: RequestContext = {
        req,
        res,
        requestId,
        receivedAt,
        now,
        rawPath,
        rawQuery,
        query,
        target,
        op,
        auth,
      };
      let bucket = target.bucket === undefined ? undefined : await store.getBucket(target.bucket);
      // An access point outlives neither its bucket nor a bucket created again under the name.
      if (accessPoint && bucket?.incarnation !== accessPoint.bucketIncarnation) bucket = undefined;
      if (accessPoint && !bucket) throw noSuchBucket(accessPoint.bucket);
      if (bucket?.metrics !== undefined) {
        const through = accessPoint
          ? accessPointArn(accessPoint.region, accessPoint.ownerAccountId, accessPoint.name)
          : undefined;
        record.metricsIds = matchingMetricsIds(bucket.metrics, target.key, through);
        record.metricsBucket = bucket.name;
      }
      authorizer.authorize(ctx, () => bucket, accessPoint);
      // Objects are served on the console's origin: an HTML object opened from a presigned
      // link must not run as the console (which keeps the signed-in keys in session storage).
      if (this.console && op === 'GetObject') setLeadingHeaders(res, ['Content-Security-Policy', OBJECT_CSP]);
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

  /** A console file (GET or HEAD); `/console` itself redirects to `/console/`. */
  private serveConsole(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawPath: string,
    method: string,
  ): void {
    if (method !== 'GET' && method !== 'HEAD') throw new S3Error('MethodNotAllowed');
    if (rawPath === '/console') {
      res.writeHead(301, { ...CONSOLE_SECURITY_HEADERS, Location: CONSOLE_PREFIX, 'Content-Length': '0' });
      res.end();
      return;
    }
    const ifNoneMatch = req.headers['if-none-match'];
    const answer = this.console!.answer(rawPath, ifNoneMatch);
    if (answer === undefined) throw new S3Error('NoSuchKey', 'The console has no such file.');
    res.writeHead(answer.status, answer.headers);
    res.end(method === 'HEAD' ? undefined : answer.body);
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

/**
 * Applies a fault rule that fired: latency first, then an error (thrown, rendered as any
 * other), a connection reset (true: nothing more to do), or a stalled body (the request runs).
 */
async function injectFault(
  fault: FaultRule,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  record: RequestRecord,
): Promise<boolean> {
  record.fault = fault.id;
  if (fault.latencyMs !== undefined && fault.latencyMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
  }
  if (fault.reset) {
    const socket = req.socket;
    try {
      socket.resetAndDestroy(); // an RST, as a dropped connection looks to the client
    } catch {
      socket.destroy(); // TLS sockets cannot send a bare RST
    }
    return true;
  }
  if (fault.error !== undefined) throw new S3Error(fault.error, fault.message);
  if (fault.stallMs !== undefined) stallBody(res, fault.stallMs);
  return false;
}

/** Object bodies render, if at all, in an opaque origin without scripts (docs/SECURITY.md). */
const OBJECT_CSP = 'sandbox';

function isConsolePath(rawPath: string): boolean {
  return rawPath === '/console' || rawPath.startsWith(CONSOLE_PREFIX);
}

/** Whether the request carries a SigV4 signature at all (header or presigned form). */
function isSigned(req: http.IncomingMessage, rawQuery: string): boolean {
  return req.headers.authorization !== undefined || rawQuery.includes('X-Amz-Signature=');
}

/** True unless Host names a bucket (virtual-hosted style): then /metrics is that bucket's key. */
function isServerPath(host: string | undefined): boolean {
  return resolveTarget(host, METRICS_PATH).style === 'path';
}
