/** The one key-length rule (protocol/limits.ts), used by routing, copy/rename sources and DeleteObjects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { checkKeyLength, keyLengthError, MAX_KEY_BYTES } from '../../src/protocol/limits.js';
import { S3Error } from '../../src/errors/s3-error.js';

test('keys are measured in UTF-8 bytes; over 1024 is KeyTooLongError (400)', () => {
  assert.equal(keyLengthError('k'.repeat(MAX_KEY_BYTES)), undefined);
  assert.equal(keyLengthError('€'.repeat(341)), undefined); // 1023 bytes
  const error = keyLengthError('€'.repeat(342)); // 1026 bytes in 342 characters
  assert.ok(error instanceof S3Error);
  assert.equal(error.code, 'KeyTooLongError');
  assert.equal(error.status, 400);
  assert.doesNotThrow(() => checkKeyLength('k'.repeat(MAX_KEY_BYTES)));
  assert.throws(() => checkKeyLength('k'.repeat(MAX_KEY_BYTES + 1)), { code: 'KeyTooLongError' });
});
