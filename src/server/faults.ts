/**
 * Fault injection for tests (`zonal serve --faults`): rules that make matching requests fail
 * the way AWS can fail them, so that a client's retries and session refresh can be tested.
 * The AWS SDKs retry 500, 503 SlowDown and connection resets ("Retry behavior", AWS SDKs and
 * Tools Reference Guide), and a session that answers 400 ExpiredToken makes them create a new
 * one (CreateSession, Amazon S3 API Reference).
 *
 * A rule matches by operation, bucket, key prefix and kind of authentication, fires `count`
 * times at most (default: until it expires) and each time with `probability` (default 1), and
 * expires `ttlSeconds` after it was added (default 300). When it fires it may add latency,
 * then answer an S3 error, or reset the connection, or let the request run and hold the
 * response body back (`stallMs`: headers go out, the body after the stall).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { S3_ERRORS, type S3ErrorCode } from '../errors/catalogue.js';
import { invalidArgument } from '../errors/s3-error.js';

/** A rule as the admin API takes it. */
export interface FaultRuleInput {
  /** Operation names (e.g. GetObject, CreateSession); absent: every operation. */
  operation?: string | string[];
  bucket?: string;
  keyPrefix?: string;
  /** Kinds of authentication (see the journal's AuthKind), e.g. SessionReadWrite. */
  auth?: string | string[];
  /** Answer this S3 error (e.g. SlowDown, InternalError, ExpiredToken), with its catalogue status. */
  error?: string;
  /** The error's message (default: the catalogue's). */
  message?: string;
  /** Wait this long before answering (alone, or before an error or a reset). */
  latencyMs?: number;
  /** Let the request run but hold the response body this long after the headers. */
  stallMs?: number;
  /** Reset the connection instead of answering. */
  reset?: boolean;
  /** Fire at most this many times, then the rule is gone. */
  count?: number;
  /** Chance (0 to 1) that a matching request is affected. Default 1. */
  probability?: number;
  /** Seconds until the rule expires. Default 300, at most 86400. */
  ttlSeconds?: number;
}

export interface FaultRule {
  id: string;
  operation?: string[];
  bucket?: string;
  keyPrefix?: string;
  auth?: string[];
  error?: S3ErrorCode;
  message?: string;
  latencyMs?: number;
  stallMs?: number;
  reset?: true;
  /** Firings left; absent: unlimited until expiry. */
  remaining?: number;
  probability: number;
  /** ISO 8601. */
  expiresAt: string;
  /** Times it fired so far. */
  fired: number;
}

/** What a request offers to the matcher. */
export interface FaultTarget {
  op: string;
  bucket: string | undefined;
  key: string | undefined;
  auth: string | undefined;
}

const DEFAULT_TTL_SECONDS = 300;
const MAX_TTL_SECONDS = 86_400;
const MAX_DELAY_MS = 3_600_000;
const MAX_RULES = 1000;

export class FaultRules {
  private rules: (FaultRule & { expiresAtMs: number })[] = [];

  constructor(
    /** `--faults`: without it the admin API refuses rules and requests are never matched. */
    readonly enabled: boolean,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  add(input: unknown): FaultRule {
    const rule = parseRule(input, this.now());
    if (this.rules.length >= MAX_RULES) throw invalidArgument(`At most ${MAX_RULES} fault rules.`);
    this.rules.push(rule);
    return view(rule);
  }

  list(): FaultRule[] {
    this.dropExpired();
    return this.rules.map(view);
  }

  /** Removes one rule; false if there was none with that id. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that fires for this request, if any (counted as fired). */
  match(target: FaultTarget): FaultRule | undefined {
    if (this.rules.length === 0) return undefined;
    this.dropExpired();
    for (const rule of this.rules) {
      if (rule.operation !== undefined && !rule.operation.includes(target.op)) continue;
      if (rule.bucket !== undefined && rule.bucket !== target.bucket) continue;
      if (rule.keyPrefix !== undefined && !(target.key ?? '').startsWith(rule.keyPrefix)) continue;
      if (rule.auth !== undefined && !rule.auth.includes(target.auth ?? '')) continue;
      if (rule.probability < 1 && this.random() >= rule.probability) continue;
      rule.fired += 1;
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining === 0) this.remove(rule.id);
      }
      return view(rule);
    }
    return undefined;
  }

  private dropExpired(): void {
    const now = this.now();
    if (this.rules.some((r) => r.expiresAtMs <= now))
      this.rules = this.rules.filter((r) => r.expiresAtMs > now);
  }
}

function view(rule: FaultRule & { expiresAtMs: number }): FaultRule {
  const { expiresAtMs: _, ...rest } = rule;
  return { ...rest };
}

function parseRule(input: unknown, now: number): FaultRule & { expiresAtMs: number } {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalidArgument('A fault rule is a JSON object.');
  const known = new Set([
    'operation',
    'bucket',
    'keyPrefix',
    'auth',
    'error',
    'message',
    'latencyMs',
    'stallMs',
    'reset',
    'count',
    'probability',
    'ttlSeconds',
  ]);
  const fields = input as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!known.has(name)) throw invalidArgument(`Unknown fault rule field ${name}.`, name);
  }
  const r = input as FaultRuleInput;
  const names = (value: unknown, field: string): string[] | undefined => {
    if (value === undefined) return undefined;
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string'))
      throw invalidArgument(`${field} is a name or a list of names.`, field);
    return list as string[];
  };
  const text = (value: unknown, field: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalidArgument(`${field} is a string.`, field);
    return value;
  };
  const integer = (value: unknown, field: string, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw invalidArgument(`${field} is an integer from ${min} to ${max}.`, field);
    return value;
  };
  const error = text(r.error, 'error');
  if (error !== undefined && !Object.hasOwn(S3_ERRORS, error))
    throw invalidArgument(`${error} is not an S3 error code Zonal knows.`, 'error', error);
  if (r.reset !== undefined && typeof r.reset !== 'boolean')
    throw invalidArgument('reset is true or false.', 'reset');
  const latencyMs = integer(r.latencyMs, 'latencyMs', 0, MAX_DELAY_MS);
  const stallMs = integer(r.stallMs, 'stallMs', 1, MAX_DELAY_MS);
  const reset = r.reset === true;
  if ([error !== undefined, stallMs !== undefined, reset].filter(Boolean).length > 1)
    throw invalidArgument('A fault rule answers with one of error, stallMs and reset.');
  if (error === undefined && stallMs === undefined && !reset && latencyMs === undefined)
    throw invalidArgument('A fault rule needs error, latencyMs, stallMs or reset.');
  const probability = r.probability ?? 1;
  if (typeof probability !== 'number' || !(probability > 0 && probability <= 1))
    throw invalidArgument('probability is a number above 0, at most 1.', 'probability');
  const ttl = integer(r.ttlSeconds, 'ttlSeconds', 1, MAX_TTL_SECONDS) ?? DEFAULT_TTL_SECONDS;
  const count = integer(r.count, 'count', 1, 1_000_000_000);
  const operation = names(r.operation, 'operation');
  const auth = names(r.auth, 'auth');
  const bucket = text(r.bucket, 'bucket');
  const keyPrefix = text(r.keyPrefix, 'keyPrefix');
  const message = text(r.message, 'message');
  const expiresAtMs = now + ttl * 1000;
  return {
    id: `f-${randomBytes(6).toString('hex')}`,
    ...(operation !== undefined ? { operation } : {}),
    ...(bucket !== undefined ? { bucket } : {}),
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    ...(auth !== undefined ? { auth } : {}),
    ...(error !== undefined ? { error: error as S3ErrorCode } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(stallMs !== undefined ? { stallMs } : {}),
    ...(reset ? { reset: true as const } : {}),
    ...(count !== undefined ? { remaining: count } : {}),
    probability,
    expiresAt: new Date(expiresAtMs).toISOString(),
    expiresAtMs,
    fired: 0,
  };
}

/**
 * Holds a response's body back for `ms`: the headers go out at the first write, the body's
 * writes (and its end) wait, and a piping source sees back-pressure until the stall is over.
 */
export function stallBody(res: http.ServerResponse, ms: number): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
  const queued: (() => void)[] = [];
  let held = true;
  const timer = setTimeout(() => {
    held = false;
    for (const call of queued.splice(0)) call();
    res.emit('drain');
  }, ms);
  res.once('close', () => clearTimeout(timer));
  res.write = ((...args: unknown[]) => {
    if (!held) return write(...args);
    if (!res.headersSent) res.flushHeaders();
    queued.push(() => write(...args));
    return false;
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (!held) return end(...args);
    if (!res.headersSent) res.flushHeaders();
    queued.push(() => end(...args));
    return res;
  }) as typeof res.end;
}
