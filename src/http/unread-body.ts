import type http from 'node:http';

/**
 * What happens to a request body Zonal will not use because it answers an error.
 *
 * A client that is still sending when the server closes the connection sees a reset (over
 * TLS: "EOF occurred in violation of protocol") instead of the S3 error. Two ways out, as
 * RFC 9110 §10.1.1 and §9.6 allow:
 * - `Expect: 100-continue` (botocore and the JS SDK send it on uploads): `100 Continue` is
 *   sent only when the handler first reads the body, so a request refused from its head
 *   (authentication, authorization, headers) is answered with its final status first; the
 *   client then does not send the body, and the connection is closed after the answer.
 * - a body already in flight is read and discarded before the error is sent, up to
 *   {@link DRAIN_MAX_BYTES} and {@link DRAIN_MAX_MS}; the connection then stays open. A body
 *   declared larger than that is not read: the answer closes the connection at once.
 */

/** The most request bytes read and discarded so that an error reaches its client. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
/** The longest an error waits for the rest of its request body. */
export const DRAIN_MAX_MS = 10_000;

const continueState = new WeakMap<http.ServerResponse, { sent: boolean }>();

/**
 * For a request that asked `Expect: 100-continue`: sends `100 Continue` the first time the
 * body is read, and never once a final response has begun.
 */
export function deferContinue(req: http.IncomingMessage, res: http.ServerResponse): void {
  const state = { sent: false };
  continueState.set(res, state);
  const read = req._read.bind(req);
  req._read = (size: number): void => {
    if (!state.sent && !res.headersSent && !res.writableEnded && !res.destroyed) {
      state.sent = true;
      res.writeContinue();
    }
    read(size);
  };
}

/** True when the client is waiting for `100 Continue` and so has not sent the body. */
export function continuePending(res: http.ServerResponse): boolean {
  const state = continueState.get(res);
  return state !== undefined && !state.sent;
}

/**
 * Prepares the connection for an error answer to `req` and calls `send` when it may be
 * written: at once when the body is complete, awaited or too large to read (the connection
 * is then closed after the answer), or once the rest of the body has been read and discarded.
 */
export function settleUnreadBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  send: () => void,
): void {
  if (req.complete || req.destroyed) return send();
  if (continuePending(res)) {
    res.setHeader('Connection', 'close');
    return send();
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (req.headers['content-length'] !== undefined && !(declared <= DRAIN_MAX_BYTES)) {
    res.setHeader('Connection', 'close');
    return send();
  }
  let drained = 0;
  let done = false;
  const finish = (close: boolean): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onEnd);
    if (res.headersSent || res.destroyed) return;
    if (close || !req.complete) res.setHeader('Connection', 'close');
    send();
  };
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) finish(true);
  };
  const onEnd = (): void => finish(false);
  const timer = setTimeout(() => finish(true), DRAIN_MAX_MS);
  timer.unref();
  // Whatever consumed the body (a failed checksum stage, say) lets go of it; the rest is
  // read here and dropped.
  req.unpipe();
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('close', onEnd);
  req.resume();
}
