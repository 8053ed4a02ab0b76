/** Counts what a soak run did: operations by name, expected client errors, and failures. */
import { errorSummary } from '../helpers/process-clients.js';
import { expectS3Error } from '../helpers/zonal-fixture.js';

/** How many failure messages are kept (all are counted). */
const KEPT_FAILURES = 20;

export class Tally {
  /** Successful operations by name (an operation may send several requests). */
  readonly ops = new Map<string, number>();
  /** Client mistakes answered with the expected error, by `name code/status`. */
  readonly expected = new Map<string, number>();
  /** The first failures (unexpected errors, wrong content). */
  readonly failures: string[] = [];
  failureCount = 0;

  /** Runs one operation; anything it throws is a failure, recorded and not rethrown. */
  async run(name: string, operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
      this.ops.set(name, (this.ops.get(name) ?? 0) + 1);
    } catch (err) {
      this.fail(name, err);
    }
  }

  fail(name: string, err: unknown): void {
    this.failureCount += 1;
    if (this.failures.length < KEPT_FAILURES) {
      const { status, message } = errorSummary(err);
      this.failures.push(`${name}: ${status !== undefined ? `HTTP ${status} ` : ''}${message}`);
    }
  }

  /** Records a mistake that got the answer S3 gives (asserted by the caller). */
  expectedError(name: string, code: string, status: number): void {
    const key = `${name} ${code}/${status}`;
    this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
  }

  /** Sends a client mistake: it must fail with exactly this S3 error. */
  async mistake(name: string, request: Promise<unknown>, code: string, status: number): Promise<void> {
    await expectS3Error(request, code, status);
    this.expectedError(name, code, status);
  }

  get total(): number {
    let n = 0;
    for (const count of this.ops.values()) n += count;
    return n;
  }

  get expectedTotal(): number {
    let n = 0;
    for (const count of this.expected.values()) n += count;
    return n;
  }
}
