import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay } from '../../src/client/backoff.js';
import { LruMap } from '../../src/util/lru.js';
import { sessionTiming } from '../../src/client/session-timing.js';

describe('LruMap', () => {
  test('holds at most maxEntries, dropping the least recently used', () => {
    const evicted: string[] = [];
    const lru = new LruMap<string, number>(2, (key) => evicted.push(key));
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1); // a is now newer than b
    lru.set('c', 3);
    assert.deepEqual(evicted, ['b']);
    assert.equal(lru.size, 2);
    assert.equal(lru.get('b'), undefined);
    lru.set('a', 10); // overwriting refreshes a
    lru.set('d', 4);
    assert.deepEqual(evicted, ['b', 'c']);
    assert.deepEqual(
      [...lru.entries()],
      [
        ['a', 10],
        ['d', 4],
      ],
    );
  });

  test('a key read while among the newest half stays put, and outlives the next half-bound inserts', () => {
    const evicted: number[] = [];
    const lru = new LruMap<number, number>(10, (key) => evicted.push(key));
    for (let k = 0; k < 10; k++) lru.set(k, k);
    lru.get(7); // 7 is among the newest 5: not moved
    assert.deepEqual(
      [...lru.entries()].map(([k]) => k),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    lru.get(2); // 2 is not: it becomes the newest
    assert.deepEqual(
      [...lru.entries()].map(([k]) => k),
      [0, 1, 3, 4, 5, 6, 7, 8, 9, 2],
    );
    for (let k = 10; k < 15; k++) lru.set(k, k);
    assert.deepEqual(evicted, [0, 1, 3, 4, 5]);
    assert.equal(lru.get(7), 7, 'read among the newest half, still there after five inserts');
    assert.equal(lru.get(2), 2);
  });

  test('rejects a bound below one', () => {
    assert.throws(() => new LruMap(0), RangeError);
  });
});

describe('backoffDelay', () => {
  test('doubles from the initial delay up to the cap, with jitter in the upper half', () => {
    const max = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 1_000 }, () => 1);
    const min = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 1_000 }, () => 0);
    assert.deepEqual([1, 2, 3, 4, 5, 60].map(max), [100, 200, 400, 800, 1_000, 1_000]);
    assert.deepEqual([1, 2, 5].map(min), [50, 100, 500]);
    assert.equal(
      backoffDelay(1, {}, () => 1),
      200,
      'default initial delay',
    );
    assert.equal(
      backoffDelay(100, {}, () => 1),
      10_000,
      'default cap',
    );
  });
});

describe('sessionTiming', () => {
  const credentials = (expiration: number) => ({
    AccessKeyId: 'a',
    SecretAccessKey: 's',
    SessionToken: 't',
    Expiration: new Date(expiration),
  });

  test('takes the skew at its largest, so the local expiry is never late', () => {
    // Server 10 min ahead; response between local 0 and 40 ms; Date read 600 s.
    const timing = sessionTiming({ credentials: credentials(900_000), serverDate: 600_000 }, 0, 40, 60_000);
    assert.equal(timing.clockSkewMs, 601_000);
    assert.equal(timing.expiresAt, 299_000);
    assert.equal(timing.refreshAt, 239_000);
    assert.equal(timing.usableUntil, 294_000);
  });

  test('short sessions: window at most half, margin at most a tenth of the lifetime', () => {
    const timing = sessionTiming({ credentials: credentials(5_000), serverDate: 0 }, 0, 0, 60_000);
    assert.equal(timing.expiresAt, 4_000);
    assert.equal(timing.refreshAt, 2_000);
    assert.equal(timing.usableUntil, 3_600);
  });

  test('a session that is already over is never usable from the cache', () => {
    const timing = sessionTiming({ credentials: credentials(1_000), serverDate: 0 }, 0, 10, 60_000);
    assert.ok(timing.usableUntil <= 10);
  });
});
