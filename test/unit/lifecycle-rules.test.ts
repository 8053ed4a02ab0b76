import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eligibleAt, sizeMatches } from '../../src/operations/lifecycle-runner.js';
import type { LifecycleRule } from '../../src/operations/lifecycle.js';

test('eligibleAt adds the days and rounds up to the next midnight UTC', () => {
  // AWS's example: created 2014-01-15 10:30 UTC, Days 3 → 2014-01-19 00:00 UTC.
  assert.equal(
    new Date(eligibleAt(new Date('2014-01-15T10:30:00Z'), 3)).toISOString(),
    '2014-01-19T00:00:00.000Z',
  );
  assert.equal(
    new Date(eligibleAt(new Date('2014-01-15T23:59:59.999Z'), 1)).toISOString(),
    '2014-01-17T00:00:00.000Z',
  );
  assert.equal(
    new Date(eligibleAt(new Date('2014-01-15T00:00:00.001Z'), 1)).toISOString(),
    '2014-01-17T00:00:00.000Z',
  );
  // A sum exactly at midnight is that midnight.
  assert.equal(
    new Date(eligibleAt(new Date('2014-01-15T00:00:00Z'), 1)).toISOString(),
    '2014-01-16T00:00:00.000Z',
  );
});

test('size bounds are exclusive', () => {
  const rule: LifecycleRule = {
    id: 'r',
    enabled: true,
    form: 'and',
    prefix: '',
    sizeGreaterThan: 10,
    sizeLessThan: 20,
  };
  assert.deepEqual(
    [10, 11, 19, 20].map((size) => sizeMatches(rule, size)),
    [false, true, true, false],
  );
  assert.equal(sizeMatches({ id: 'r', enabled: true, form: 'empty', prefix: '' }, 0), true);
});
