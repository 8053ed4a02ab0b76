import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupSync } from '../../src/storage/files/group-sync.js';

/** A flush the test finishes by hand, recording when each one started. */
function manualFlush(): { flush: () => Promise<void>; finish: () => void; started: number } {
  const pending: Array<() => void> = [];
  const state = {
    started: 0,
    flush: () =>
      new Promise<void>((resolve) => {
        state.started++;
        pending.push(resolve);
      }),
    finish: () => pending.shift()?.(),
  };
  return state;
}

test('callers during a flush share the next one; all resolve after a flush that began after them', async () => {
  const manual = manualFlush();
  const group = new GroupSync(manual.flush);
  const resolved: string[] = [];
  const first = group.sync().then(() => resolved.push('first'));
  assert.equal(manual.started, 1);
  // Both arrive while flush 1 runs: they must not be satisfied by it.
  const second = group.sync().then(() => resolved.push('second'));
  const third = group.sync().then(() => resolved.push('third'));
  manual.finish();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(resolved, ['first']);
  assert.equal(manual.started, 2, 'one flush for the two waiting callers');
  manual.finish();
  await Promise.all([second, third]);
  assert.deepEqual(resolved, ['first', 'second', 'third']);
  assert.equal(group.flushes, 2);
});

test('a failed flush rejects its callers and the next sync starts a new flush', async () => {
  let calls = 0;
  const group = new GroupSync(async () => {
    calls++;
    if (calls === 1) throw new Error('EIO');
  });
  await assert.rejects(group.sync(), /EIO/);
  await group.sync();
  assert.equal(calls, 2);
});
