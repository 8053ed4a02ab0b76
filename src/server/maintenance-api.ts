/**
 * Zonal's own root-only operations under `/_zonal/` (not S3 operations; docs/COMPATIBILITY.md):
 *
 * - `GET /_zonal/clock`, `POST /_zonal/clock` with `{"offsetSeconds": n}` or
 *   `{"advanceSeconds": n}`: the test clock of `zonal serve --test-clock`.
 * - `POST /_zonal/lifecycle/run`: one lifecycle pass over every bucket now (`zonal lifecycle run`).
 * - `POST /_zonal/inventory/run` with optional `{"bucket": …, "id": …}`: inventory reports now,
 *   due or not (`zonal inventory run`).
 *
 * Every request must be SigV4-signed (service `s3` or `s3express`, the server's region) by the
 * root credentials of the default account, else 403 AccessDenied. Bodies are JSON (≤ 4 KiB,
 * their SHA-256 checked against `x-amz-content-sha256` unless UNSIGNED-PAYLOAD); answers are
 * JSON. A server started without `--test-clock` answers 501 NotImplemented on the clock.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { Authenticator } from '../auth/authenticate.js';
import type { IamIdentity } from '../auth/credentials.js';
import { UNSIGNED_PAYLOAD } from '../auth/sigv4.js';
import { readBounded } from '../http/request-body.js';
import { accessDenied, invalidArgument, notImplemented, S3Error } from '../errors/s3-error.js';
import type { InventoryRunReport } from '../operations/inventory-runner.js';
import type { LifecycleRunReport } from '../operations/lifecycle-runner.js';
import type { TestClock } from '../util/clock.js';

/** What the operations act on; each one absent answers 501. */
export interface MaintenanceHooks {
  clock?: TestClock;
  runLifecycle?: () => Promise<LifecycleRunReport>;
  runInventory?: (only: { bucket?: string; id?: string }) => Promise<InventoryRunReport>;
}

const PATHS = new Set(['/_zonal/clock', '/_zonal/lifecycle/run', '/_zonal/inventory/run']);
const MAX_BODY_BYTES = 4096;

export interface MaintenanceRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  receivedAt: Date;
}

export class MaintenanceApi {
  constructor(
    private readonly options: { authenticator: Authenticator; root: IamIdentity; hooks: MaintenanceHooks },
  ) {}

  static handles(rawPath: string): boolean {
    return PATHS.has(rawPath);
  }

  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: MaintenanceRequest,
  ): Promise<void> {
    const { method, rawPath, rawQuery, receivedAt } = request;
    const auth = this.options.authenticator.authenticate(
      { method, rawPath, rawQuery, rawHeaders: req.rawHeaders },
      undefined,
      receivedAt,
    );
    const { principal } = auth;
    if (principal.kind !== 'iam' || principal.identity.arn !== this.options.root.arn) {
      throw accessDenied('Only the root credentials of the default account may use /_zonal/.');
    }
    const body = await readBounded(
      req,
      MAX_BODY_BYTES,
      declaredLength(req),
      () => new S3Error('MaxMessageLengthExceeded'),
    );
    if (auth.sigv4.payloadHash !== UNSIGNED_PAYLOAD) {
      const actual = crypto.createHash('sha256').update(body).digest('hex');
      if (actual !== auth.sigv4.payloadHash) throw new S3Error('XAmzContentSHA256Mismatch');
    }
    const input = parseJson(body);
    const { hooks } = this.options;
    if (rawPath === '/_zonal/clock') {
      const clock = hooks.clock;
      if (!clock)
        throw notImplemented('The test clock is off: start the server with zonal serve --test-clock.');
      if (method === 'POST') setClock(clock, input);
      else if (method !== 'GET') throw new S3Error('MethodNotAllowed');
      return sendJson(res, { offsetSeconds: clock.offsetSeconds, now: clock.now().toISOString() });
    }
    if (method !== 'POST') throw new S3Error('MethodNotAllowed');
    if (rawPath === '/_zonal/lifecycle/run') {
      if (!hooks.runLifecycle) throw notImplemented('Lifecycle runs are not available in this process.');
      return sendJson(res, await hooks.runLifecycle());
    }
    if (!hooks.runInventory) throw notImplemented('Inventory runs are not available in this process.');
    const only: { bucket?: string; id?: string } = {};
    if (input.bucket !== undefined) only.bucket = stringField(input, 'bucket');
    if (input.id !== undefined) only.id = stringField(input, 'id');
    return sendJson(res, await hooks.runInventory(only));
  }
}

function declaredLength(req: http.IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value === undefined ? undefined : Number(value);
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidArgument('The body must be a JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument('The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

function stringField(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string') throw invalidArgument(`${name} must be a string.`, name, String(value));
  return value;
}

/** Ten years either way: enough for any lifecycle rule a test writes, and no Date overflow. */
const MAX_CLOCK_SECONDS = 10 * 366 * 86400;

function setClock(clock: TestClock, input: Record<string, unknown>): void {
  const offset = input.offsetSeconds;
  const advance = input.advanceSeconds;
  if ((offset === undefined) === (advance === undefined)) {
    throw invalidArgument('Give exactly one of offsetSeconds and advanceSeconds.');
  }
  const name = offset !== undefined ? 'offsetSeconds' : 'advanceSeconds';
  const value = offset ?? advance;
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > MAX_CLOCK_SECONDS) {
    throw invalidArgument(`${name} must be an integer of seconds (at most ten years).`, name, String(value));
  }
  if (offset !== undefined) clock.setOffset(value);
  else if (Math.abs(clock.offsetSeconds + value) > MAX_CLOCK_SECONDS) {
    throw invalidArgument('The offset would exceed ten years.', name, String(value));
  } else clock.advance(value);
}

function sendJson(res: http.ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
