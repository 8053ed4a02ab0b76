/**
 * The one entity-tag matcher (RFC 7232 §3.1/§3.2 as Zonal applies it to every operation), the
 * read-condition precedence built on it, and the write/delete checks that use it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { etagMatches, evaluateReadConditions } from '../../src/protocol/conditional.js';
import { checkDeleteCondition, checkWriteCondition } from '../../src/storage/conditions.js';
import { S3Error } from '../../src/errors/s3-error.js';

const ETAG = '"0123456789abcdef0123456789abcdef"';
const BARE = ETAG.slice(1, -1);

test('etagMatches: a quoted or unquoted tag, with or without surrounding spaces', () => {
  assert.equal(etagMatches(ETAG, ETAG), true);
  assert.equal(etagMatches(BARE, ETAG), true);
  assert.equal(etagMatches(` ${ETAG} `, ETAG), true);
  assert.equal(etagMatches(ETAG, BARE), true, 'the stored side may be unquoted too');
  assert.equal(etagMatches('"other"', ETAG), false);
  assert.equal(etagMatches('', ETAG), false);
  assert.equal(etagMatches(`"${BARE}`, ETAG), false, 'an unterminated quote is not the tag');
});

test('etagMatches: a list matches when any member does', () => {
  assert.equal(etagMatches(`"a", ${ETAG}`, ETAG), true);
  assert.equal(etagMatches(`"a",${BARE} , "b"`, ETAG), true);
  assert.equal(etagMatches('"a", "b"', ETAG), false);
  assert.equal(etagMatches(`, ,${ETAG},`, ETAG), true, 'empty list elements are skipped');
  // A comma inside a quoted tag belongs to the tag.
  assert.equal(etagMatches('"x,y"', '"x,y"'), true);
  assert.equal(etagMatches('"x,y"', '"x"'), false);
});

test('etagMatches: `*` alone matches any current object', () => {
  assert.equal(etagMatches('*', ETAG), true);
  assert.equal(etagMatches(' * ', ETAG), true);
  assert.equal(etagMatches('*', ETAG, 'weak'), true);
  // RFC 7232: `*` is the whole field, not a list member.
  assert.equal(etagMatches('"a", *', ETAG), false);
});

test('etagMatches: If-Match compares strongly (W/ never matches), If-None-Match weakly', () => {
  assert.equal(etagMatches(`W/${ETAG}`, ETAG), false);
  assert.equal(etagMatches(`W/${ETAG}`, ETAG, 'strong'), false);
  assert.equal(etagMatches(`W/${ETAG}`, ETAG, 'weak'), true);
  assert.equal(etagMatches(`W/${BARE}`, ETAG, 'weak'), true);
  assert.equal(etagMatches(`W/"a", ${ETAG}`, ETAG), true, 'a strong member still matches');
});

test('evaluateReadConditions: weak tags fail If-Match and satisfy If-None-Match', () => {
  const modified = new Date('2026-01-01T00:00:00Z');
  assert.deepEqual(evaluateReadConditions({ ifMatch: `W/${ETAG}` }, ETAG, modified), { failed: 'If-Match' });
  assert.deepEqual(evaluateReadConditions({ ifNoneMatch: `W/${ETAG}` }, ETAG, modified), {
    notModified: 'If-None-Match',
  });
  assert.equal(evaluateReadConditions({ ifMatch: `"a", ${ETAG}` }, ETAG, modified), 'proceed');
});

function code(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof S3Error);
    return err.code;
  }
}

test('writes and deletes read If-Match with the same rule as reads', () => {
  const current = { etag: ETAG, size: 3, lastModified: new Date() };
  // Lists were compared as one string by the storage layer before; now they match as on GET.
  assert.equal(
    code(() => checkWriteCondition(current, { ifMatch: `"a", ${ETAG}` }, 'k')),
    undefined,
  );
  assert.equal(
    code(() => checkDeleteCondition(current, { ifMatch: `"a", ${BARE}` })),
    undefined,
  );
  assert.equal(
    code(() => checkWriteCondition(current, { ifMatch: `W/${ETAG}` }, 'k')),
    'PreconditionFailed',
  );
  assert.equal(
    code(() => checkDeleteCondition(current, { ifMatch: `W/${ETAG}` })),
    'PreconditionFailed',
  );
  assert.equal(
    code(() => checkWriteCondition(current, { ifMatch: '*' }, 'k')),
    undefined,
  );
  assert.equal(
    code(() => checkWriteCondition(undefined, { ifMatch: '*' }, 'k')),
    'NoSuchKey',
  );
});
