/** The listing rules ListObjectsV2 and ListMultipartUploads share (operations/listing-params.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { directoryListingScope, encodingTypeOf, pageSize } from '../../src/operations/listing-params.js';
import { S3Error } from '../../src/errors/s3-error.js';

function failure(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof S3Error);
    return { code: err.code, message: err.message };
  }
}

const query = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

test('directoryListingScope: `/` only, and a prefix ends in it', () => {
  assert.deepEqual(directoryListingScope(query({})), { prefix: '', delimiter: undefined });
  assert.deepEqual(directoryListingScope(query({ prefix: 'a/b/', delimiter: '/' })), {
    prefix: 'a/b/',
    delimiter: '/',
  });
  assert.deepEqual(directoryListingScope(query({ delimiter: '' })), { prefix: '', delimiter: undefined });
  assert.deepEqual(
    failure(() => directoryListingScope(query({ prefix: 'a' }))),
    {
      code: 'InvalidRequest',
      message:
        'This bucket does not support a prefix that does not end in a delimiter. Specify a prefix path ending with a delimiter and try again.',
    },
  );
  assert.deepEqual(
    failure(() => directoryListingScope(query({ delimiter: '-' }))),
    {
      code: 'InvalidRequest',
      message: 'This bucket does not support a delimiter other than "/".',
    },
  );
  // The prefix rule is checked first.
  assert.equal(
    failure(() => directoryListingScope(query({ prefix: 'a', delimiter: '-' })))?.message.includes('prefix'),
    true,
  );
});

test('encodingTypeOf and pageSize', () => {
  assert.equal(encodingTypeOf(query({})), undefined);
  assert.equal(encodingTypeOf(query({ 'encoding-type': 'url' })), 'url');
  assert.equal(failure(() => encodingTypeOf(query({ 'encoding-type': 'URL' })))?.code, 'InvalidArgument');
  assert.equal(pageSize('max-keys', undefined), 1000);
  assert.equal(pageSize('max-keys', '0'), 0);
  assert.equal(pageSize('max-uploads', '99999'), 1000);
  assert.deepEqual(
    failure(() => pageSize('max-keys', '-1')),
    {
      code: 'InvalidArgument',
      message: 'Provided max-keys not an integer or within integer range',
    },
  );
});
