/** The one bounded-body reader: S3 XML bodies and IAM/STS form bodies both read through it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';

import { pipeline } from 'node:stream/promises';
import { ByteLimit, readBounded } from '../../src/http/request-body.js';

class TooLarge extends Error {}
const tooLarge = (): Error => new TooLarge();

test('readBounded: returns the whole body up to the limit', async () => {
  const body = await readBounded(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4, 4, tooLarge);
  assert.equal(body.toString(), 'abcd');
  assert.equal((await readBounded(Readable.from([]), 0, undefined, tooLarge)).length, 0);
});

test('readBounded: a declared length over the limit is refused before reading', async () => {
  const stream = new PassThrough();
  await assert.rejects(readBounded(stream, 4, 5, tooLarge), TooLarge);
  assert.equal(stream.destroyed, false, 'nothing was read, so nothing was stopped');
});

test('readBounded: an undeclared body is refused once it passes the limit, and stopped', async () => {
  const stream = new PassThrough();
  stream.write(Buffer.alloc(3));
  stream.write(Buffer.alloc(3));
  await assert.rejects(readBounded(stream, 4, undefined, tooLarge), TooLarge);
  assert.equal(stream.destroyed, true);
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
