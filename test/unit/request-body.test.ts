/** The one bounded-body reader: S3 XML bodies and IAM/STS form bodies both read through it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';

import { pipeline } from 'node:stream/promises';
import { BodyBudget } from '../../src/http/body-budget.js';
import { ByteLimit, readBounded, type BoundedRead } from '../../src/http/request-body.js';

class TooLarge extends Error {}
const tooLarge = (): Error => new TooLarge();
class Busy extends Error {}
const busy = (): Error => new Busy();
/** readBounded's options: `limit`, `declared`, a budget (default: ample). */
const bounded = (limit: number, declared: number | undefined, budget = new BodyBudget()): BoundedRead => ({
  limit,
  declaredLength: declared,
  tooLarge,
  budget,
  busy,
});

test('readBounded: returns the whole body up to the limit', async () => {
  const body = await readBounded(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), bounded(4, 4));
  assert.equal(body.toString(), 'abcd');
  assert.equal((await readBounded(Readable.from([]), bounded(0, undefined))).length, 0);
});

test('readBounded: a declared length over the limit is refused before reading', async () => {
  const stream = new PassThrough();
  await assert.rejects(readBounded(stream, bounded(4, 5)), TooLarge);
  assert.equal(stream.destroyed, false, 'nothing was read, so nothing was stopped');
});

test('readBounded: an undeclared body is refused once it passes the limit, and stopped', async () => {
  const stream = new PassThrough();
  stream.write(Buffer.alloc(3));
  stream.write(Buffer.alloc(3));
  await assert.rejects(readBounded(stream, bounded(4, undefined)), TooLarge);
  assert.equal(stream.destroyed, true);
});

test('readBounded: bytes are reserved from the budget as they arrive and released when the read ends', async () => {
  const budget = new BodyBudget(10);
  const first = new PassThrough();
  const reading = readBounded(first, bounded(8, undefined, budget));
  first.write(Buffer.alloc(6));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(budget.inUse, 6, 'held bytes are reserved');
  // A second body that would go over the budget fails with `busy`, and is stopped.
  const second = new PassThrough();
  second.write(Buffer.alloc(5));
  await assert.rejects(readBounded(second, bounded(8, undefined, budget)), Busy);
  assert.equal(second.destroyed, true);
  assert.equal(budget.inUse, 6, 'the refused body reserved nothing');
  first.end(Buffer.alloc(2));
  assert.equal((await reading).length, 8);
  assert.equal(budget.inUse, 0, 'released once read');
  // Released on failure too: over the limit, or the stream failing.
  const third = new PassThrough();
  third.write(Buffer.alloc(4));
  third.write(Buffer.alloc(5));
  await assert.rejects(readBounded(third, bounded(8, undefined, budget)), TooLarge);
  const fourth = new PassThrough();
  fourth.write(Buffer.alloc(4));
  setImmediate(() => fourth.destroy(new Error('aborted')));
  await assert.rejects(readBounded(fourth, bounded(8, undefined, budget)), /aborted/);
  assert.equal(budget.inUse, 0);
});

test('BodyBudget: reserves up to its limit exactly, refuses beyond without reserving', () => {
  const budget = new BodyBudget(5);
  assert.equal(budget.tryReserve(5), true);
  assert.equal(budget.tryReserve(1), false);
  budget.release(2);
  assert.equal(budget.tryReserve(3), false);
  assert.equal(budget.tryReserve(2), true);
  budget.release(5);
  assert.equal(budget.inUse, 0);
  assert.throws(() => budget.release(1));
  assert.throws(() => new BodyBudget(-1), RangeError);
});

test('ByteLimit: passes a body of up to the limit, whatever its chunks', async () => {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.alloc(3), Buffer.alloc(0), Buffer.alloc(2)]),
    new ByteLimit(5, tooLarge),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    },
  );
  assert.equal(Buffer.concat(out).length, 5);
});

test('ByteLimit: fails on the first byte beyond the limit, without passing it on', async () => {
  const out: Buffer[] = [];
  await assert.rejects(
    pipeline(
      Readable.from([Buffer.alloc(4), Buffer.alloc(2), Buffer.alloc(100)]),
      new ByteLimit(5, tooLarge),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) out.push(chunk);
      },
    ),
    TooLarge,
  );
  assert.ok(Buffer.concat(out).length <= 5, 'no byte beyond the limit is passed on');
});
