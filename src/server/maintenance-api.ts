/**
 * The root-only maintenance routes of the admin API (admin-api.ts, docs/COMPATIBILITY.md):
 *
 * - `GET /_zonal/clock`, `POST /_zonal/clock` with `{"offsetSeconds": n}` or
 *   `{"advanceSeconds": n}`: the test clock of `zonal serve --test-clock`.
 * - `POST /_zonal/lifecycle/run`: one lifecycle pass over every bucket now (`zonal lifecycle run`).
 * - `POST /_zonal/inventory/run` with optional `{"bucket": …, "id": …}`: inventory reports now,
 *   due or not (`zonal inventory run`).
 *
 * A server started without `--test-clock` answers 501 NotImplemented on the clock.
 */
import { invalidArgument, notImplemented } from '../errors/s3-error.js';
import type { InventoryRunReport } from '../operations/inventory-runner.js';
import type { LifecycleRunReport } from '../operations/lifecycle-runner.js';
import type { TestClock } from '../util/clock.js';
import type { AdminRoute } from './admin-api.js';

/** What the operations act on; each one absent answers 501. */
export interface MaintenanceHooks {
  clock?: TestClock;
  runLifecycle?: () => Promise<LifecycleRunReport>;
  runInventory?: (only: { bucket?: string; id?: string }) => Promise<InventoryRunReport>;
}

export function maintenanceRoutes(hooks: MaintenanceHooks): AdminRoute[] {
  const clockAnswer = (): { body: unknown } => {
    const clock = hooks.clock;
    if (!clock)
      throw notImplemented('The test clock is off: start the server with zonal serve --test-clock.');
    return { body: { offsetSeconds: clock.offsetSeconds, now: clock.now().toISOString() } };
  };
  return [
    { method: 'GET', path: 'clock', handle: clockAnswer },
    {
      method: 'POST',
      path: 'clock',
      handle: ({ body }) => {
        if (hooks.clock) setClock(hooks.clock, jsonObject(body));
        return clockAnswer();
      },
    },
    {
      method: 'POST',
      path: 'lifecycle/run',
      handle: async () => {
        if (!hooks.runLifecycle) throw notImplemented('Lifecycle runs are not available in this process.');
        return { body: await hooks.runLifecycle() };
      },
    },
    {
      method: 'POST',
      path: 'inventory/run',
      handle: async ({ body }) => {
        if (!hooks.runInventory) throw notImplemented('Inventory runs are not available in this process.');
        const input = jsonObject(body);
        const only: { bucket?: string; id?: string } = {};
        if (input.bucket !== undefined) only.bucket = stringField(input, 'bucket');
        if (input.id !== undefined) only.id = stringField(input, 'id');
        return { body: await hooks.runInventory(only) };
      },
    },
  ];
}

function jsonObject(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
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
