import type { TimedSessionCredentials } from './create-session.js';

/** When a session stops being used and when it is renewed, in local epoch ms. */
export interface SessionTiming {
  /** Local time at which the server will consider the session expired (conservative). */
  expiresAt: number;
  /** From here on, a use starts a background refresh. */
  refreshAt: number;
  /** After this, the session is not handed out any more (a request needs time to arrive). */
  usableUntil: number;
  /** Estimated server clock minus local clock, ms (0 without a `Date` header). */
  clockSkewMs: number;
}

/** Most time kept between the last use of a session and its expiry, ms. */
const MAX_EXPIRY_MARGIN_MS = 5_000;

/**
 * Translates a session's `Expiration` (server clock) to the local clock.
 *
 * The response's `Date` header has one-second resolution, so at some local instant between
 * `sentAt` and `receivedAt` the server's clock read somewhere in `[Date, Date + 1 s)`. The
 * skew is taken at its largest (server clock `Date + 1 s` at `sentAt`), which places the
 * local expiry at the earliest moment consistent with the response: a session is never used
 * after the server has expired it, whichever way the clocks differ. Without a `Date` header
 * the local clock is trusted.
 *
 * The refresh window is `refreshWindowMs`, but never more than half the remaining lifetime
 * (a 5-second session is renewed halfway); the safety margin before expiry is 5 s, but
 * never more than a tenth of the lifetime.
 */
export function sessionTiming(
  session: TimedSessionCredentials,
  sentAt: number,
  receivedAt: number,
  refreshWindowMs: number,
): SessionTiming {
  const expiration = session.credentials.Expiration.getTime();
  const clockSkewMs = session.serverDate === undefined ? 0 : session.serverDate + 1000 - sentAt;
  const expiresAt = expiration - clockSkewMs;
  const lifetime = Math.max(0, expiresAt - receivedAt);
  const window = Math.min(refreshWindowMs, lifetime / 2);
  const margin = Math.min(MAX_EXPIRY_MARGIN_MS, lifetime / 10);
  return { expiresAt, refreshAt: expiresAt - window, usableUntil: expiresAt - margin, clockSkewMs };
}
