import fs from 'node:fs';
import http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { newRequestId } from '../auth/random-ids.js';
import type { ServerConfig, TlsConfig, TlsFiles } from '../config.js';
import {
  badRequest,
  headerSectionTooLarge,
  rawErrorResponse,
  requestTimeout,
  slowDown,
} from './transport-errors.js';
import { MAX_HEADER_BYTES } from '../protocol/limits.js';
import { requestIdOf, sendError, setCommonHeaders } from '../http/respond.js';
import { ZonalResponse } from '../http/zonal-response.js';
import { deferContinue } from '../http/unread-body.js';
import type { S3Error } from '../errors/s3-error.js';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** What the listening socket needs from the configuration. */
export type FrontOptions = Pick<
  ServerConfig,
  'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'tls'
>;

/** How long a socket that was answered and half-closed may linger before it is destroyed. */
const LINGER_MS = 5_000;

interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

/**
 * The listening socket: HTTP or HTTPS, keep-alive, and the limits a client may not exceed,
 * each answered with the S3 error AWS gives instead of Node's bare status lines. Kept apart
 * from the request flow so transport concerns live in one place.
 */
export function createHttpFront(handler: RequestHandler, options: FrontOptions): http.Server {
  const settings = {
    keepAlive: true,
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout: options.headersTimeoutMs,
    // No limit on a whole request: a 5 GiB upload may take long. Stalls are caught by the
    // idle timeout below instead.
    requestTimeout: 0,
    // Node checks headersTimeout only this often (default 30 s).
    connectionsCheckingInterval: Math.min(5_000, Math.max(25, Math.floor(options.headersTimeoutMs / 4))),
    // A request without Host gets an S3 error from onRequest, not Node's bare 400.
    requireHostHeader: false,
    ServerResponse: ZonalResponse,
  };
  const tls = tlsFiles(options.tls);
  // node:https (and node:tls with it) only for a TLS front: ~3 ms of start-up plain HTTP need not pay.
  const server: http.Server = tls
    ? (createRequire(import.meta.url)('node:https') as typeof https).createServer({
        ...settings,
        cert: fs.readFileSync(tls.certFile),
        key: fs.readFileSync(tls.keyFile),
        handshakeTimeout: options.headersTimeoutMs,
      })
    : http.createServer(settings);
  server.keepAliveTimeout = options.keepAliveTimeoutMs;

  /** The request each socket is serving, for the idle timeout to judge. */
  const inFlight = new WeakMap<Duplex, Exchange>();
  const overLimit = limitConnections(server, options.maxConnections, tls !== undefined);

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const socket = req.socket;
    const exchange = { req, res };
    inFlight.set(socket, exchange);
    res.once('close', () => {
      if (inFlight.get(socket) === exchange) inFlight.delete(socket);
    });
    socket.setTimeout(options.requestTimeoutMs);
    if (overLimit.has(socket)) return answer(exchange, slowDown());
    if (req.httpVersion === '1.1' && req.headers.host === undefined) return answer(exchange, badRequest());
    handler(req, res);
  };
  server.on('request', onRequest);
  // An `Expect` other than `100-continue` (an empty one, say): Node would answer a bare 417
  // without an S3 error document. AWS documents only `100-continue` ("Common Request Headers",
  // https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonRequestHeaders.html); Zonal
  // ignores any other expectation and serves the request (docs/COMPATIBILITY.md).
  server.on('checkExpectation', onRequest);
  // `Expect: 100-continue`: Node would send `100 Continue` at once. Zonal sends it when the
  // handler first reads the body, so a request refused from its head is answered before the
  // client sends its body (src/http/unread-body.ts).
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    deferContinue(req, res);
    onRequest(req, res);
  });

  // Fired after requestTimeoutMs without a byte either way, and after keepAliveTimeout on an
  // idle connection. Only a client that stalls mid-request is answered; see stalledBy.
  server.on('timeout', (socket: net.Socket) => {
    const exchange = inFlight.get(socket);
    if (exchange === undefined) return void socket.destroy();
    const stall = stalledBy(exchange);
    if (stall === 'server') return;
    if (stall === 'client sending' && !exchange.res.headersSent) return answer(exchange, requestTimeout());
    socket.destroy();
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const s3err = clientErrorAnswer(err);
    const exchange = inFlight.get(socket);
    if (s3err === undefined || !socket.writable) return void socket.destroy();
    // A framing error in the middle of a body: the handler owns the response.
    if (exchange !== undefined) {
      if (exchange.res.headersSent) return void socket.destroy();
      return answer(exchange, s3err);
    }
    socket.end(rawErrorResponse(s3err));
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  return server;
}

function tlsFiles(tls: TlsConfig | undefined): TlsFiles | undefined {
  if (tls === undefined) return undefined;
  if (!('certFile' in tls)) throw new Error('TLS: the self-signed certificate must be prepared first');
  return tls;
}

/**
 * Counts open connections. Those accepted beyond `max` are remembered and their requests
 * answered 503 SlowDown; beyond twice `max` Node closes new connections unanswered, so a
 * flood of idle connections cannot exhaust file descriptors.
 */
function limitConnections(server: http.Server, max: number, tls: boolean): WeakSet<Duplex> {
  const overLimit = new WeakSet<Duplex>();
  let open = 0;
  server.maxConnections = max * 2;
  server.on('connection', (socket: net.Socket) => {
    open += 1;
    socket.once('close', () => (open -= 1));
    if (!tls && open > max) overLimit.add(socket);
  });
  // Requests arrive on the TLS socket, which exists once the handshake is done.
  if (tls) server.on('secureConnection', (socket: Duplex) => open > max && overLimit.add(socket));
  return overLimit;
}

/**
 * Who an idle request is waiting on. A request body that stopped while the server keeps up
 * (its buffer is not full) is the client's stall, and so is a response the client stopped
 * reading; a complete request the server is still working on is not.
 */
function stalledBy({ req, res }: Exchange): 'client sending' | 'client reading' | 'server' {
  if (!req.complete) return req.readableLength >= req.readableHighWaterMark ? 'server' : 'client sending';
  return res.writableNeedDrain ? 'client reading' : 'server';
}

/** The S3 error for a request Node's parser refused; undefined for a failed socket. */
function clientErrorAnswer(err: NodeJS.ErrnoException): S3Error | undefined {
  if (err.code === 'HPE_HEADER_OVERFLOW') return headerSectionTooLarge();
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return requestTimeout();
  if (err.code?.startsWith('HPE_')) return badRequest();
  return undefined;
}

/** Answers with an S3 error and closes the connection (the request may be unread). */
function answer({ req, res }: Exchange, err: S3Error): void {
  const requestId = requestIdOf(res);
  const id = requestId ?? newRequestId();
  if (requestId === undefined) setCommonHeaders(res, id);
  res.setHeader('Connection', 'close');
  // Once answered, Node forgets the request and never tells it that its socket closed; a
  // handler still reading the body must learn it, so that it fails and cleans up.
  if (!req.complete) req.socket.once('close', () => req.destroy());
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  sendError(res, req.method ?? 'GET', id, q === -1 ? url : url.slice(0, q), err);
}
