/**
 * The one percent-decoder (protocol/query.ts): S3 queries and paths, the signature check's
 * reading, and the IAM/STS Query API's query strings and form bodies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeComponent, decodePairs, parseQuery } from '../../src/protocol/query.js';
import { canonicalQueryString, parseQuery as signedReading } from '../../src/auth/sigv4.js';
import { parseQueryParams } from '../../src/iam-api/query-request.js';
import { S3Error } from '../../src/errors/s3-error.js';

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof S3Error);
    return err.code;
  }
}

test('decodeComponent: escapes, `+` per context, strict UTF-8', () => {
  assert.equal(decodeComponent('a%2Fb%20c'), 'a/b c');
  assert.equal(decodeComponent('%E2%82%AC'), '€');
  assert.equal(decodeComponent('a+b'), 'a+b', 'URLs: + is a plus');
  assert.equal(decodeComponent('a+b', 'space'), 'a b', 'forms: + is a space');
  assert.equal(decodeComponent('a%2Bb', 'space'), 'a+b');
  assert.equal(decodeComponent('%EF%BB%BFx'), '\uFEFFx', 'a leading BOM is kept');
  assert.equal(decodeComponent('é%20€%f0%9f%98%80'), 'é €😀', 'text beside escapes, lower-case hex');
  // Bad escapes; bytes that are not UTF-8: a lone byte, a cut sequence, a surrogate, overlong
  // forms, a code point past U+10FFFF.
  for (const bad of [
    '%',
    '%4',
    '%G0',
    'a%zz',
    '%FF',
    '%C3',
    '%ED%A0%80',
    '%C0%80',
    '%C0%AF',
    '%F4%90%80%80',
  ]) {
    assert.equal(
      errorCode(() => decodeComponent(bad)),
      'InvalidURI',
      bad,
    );
    assert.equal(
      errorCode(() => decodeComponent(bad, 'space')),
      'InvalidURI',
      bad,
    );
  }
});

test('decodePairs and parseQuery: order, empty values, first of duplicates wins', () => {
  assert.deepEqual(decodePairs('a=1&&b&c=x=y&a=2'), [
    ['a', '1'],
    ['b', ''],
    ['c', 'x=y'],
    ['a', '2'],
  ]);
  assert.deepEqual(
    [...parseQuery('a=1&b&a=2')],
    [
      ['a', '1'],
      ['b', ''],
    ],
  );
  assert.deepEqual(signedReading('q=a+b&p=%2F'), decodePairs('q=a+b&p=%2F'));
});

test('IAM query strings read `+` as the signature check does; form bodies as forms', () => {
  // `a+b` and `a%2Bb` canonicalize alike, so they must not mean different things either.
  assert.equal(
    canonicalQueryString('PolicyName=a+b', false),
    canonicalQueryString('PolicyName=a%2Bb', false),
  );
  const literal = parseQueryParams('Action=GetUserPolicy&PolicyName=a+b', undefined, Buffer.alloc(0));
  const escaped = parseQueryParams('Action=GetUserPolicy&PolicyName=a%2Bb', undefined, Buffer.alloc(0));
  assert.equal(literal.get('PolicyName'), 'a+b');
  assert.equal(escaped.get('PolicyName'), 'a+b');

  const form = 'application/x-www-form-urlencoded';
  const body = parseQueryParams('', form, Buffer.from('Action=CreateUser&UserName=a+b&Path=%2Fx%2B%2F'));
  assert.equal(body.get('UserName'), 'a b');
  assert.equal(body.get('Path'), '/x+/');
  assert.equal(body.get('Action'), 'CreateUser');
  // The same decoder refuses what it cannot read, in the body too.
  assert.equal(
    errorCode(() => parseQueryParams('', form, Buffer.from('Action=%G0'))),
    'InvalidURI',
  );
});
