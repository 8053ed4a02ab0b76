/**
 * The time S3 semantics read: session issue and expiry, object LastModified, multipart
 * Initiated, lifecycle ages and inventory schedules. The system clock unless `zonal serve
 * --test-clock` asked for a test clock, which a test moves with `POST /_zonal/clock`
 * (docs/COMPATIBILITY.md). Transport concerns (SigV4's 15-minute skew window, presigned URL
 * expiry, the `Date` response header, timeouts, caches) always use the real clock, so a client
 * on real time keeps signing requests the server accepts whatever the offset.
 */
export interface Clock {
  /** The current time for S3 semantics. */
  now(): Date;
}

/** Real time. */
export const SYSTEM_CLOCK: Clock = { now: () => new Date() };

/** Real time plus an offset a test sets or advances (never negative time, never fractions). */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** The offset from real time, whole seconds. */
  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  /** Sets the offset from real time. */
  setOffset(seconds: number): void {
    this.offsetMs = Math.trunc(seconds) * 1000;
  }

  /** Moves the clock forward (or back, with a negative number) by `seconds`. */
  advance(seconds: number): void {
    this.offsetMs += Math.trunc(seconds) * 1000;
  }
}
