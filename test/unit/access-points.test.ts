import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkScope, scopeAllows } from '../../src/access/access-points.js';
import { checkTags, mergeTags } from '../../src/operations/control/tags.js';
import { parseAccessPointName } from '../../src/protocol/bucket-names.js';
import { S3Error } from '../../src/errors/s3-error.js';
import type { AccessPointRecord } from '../../src/storage/types.js';

describe('access point names', () => {
  test('<name>--<zone-id>--xa-s3, with a valid zone and 3 to 50 characters of name', () => {
    assert.deepEqual(parseAccessPointName('reader--use1-az4--xa-s3'), {
      name: 'reader--use1-az4--xa-s3',
      baseName: 'reader',
      zoneId: 'use1-az4',
    });
    assert.equal(parseAccessPointName('reader--usw2-lax1-az1--xa-s3')?.zoneId, 'usw2-lax1-az1');
    for (const bad of [
      'reader--use1-az4--x-s3',
      'ab--use1-az4--xa-s3',
      `${'a'.repeat(51)}--use1-az4--xa-s3`,
      'Reader--use1-az4--xa-s3',
      '-reader--use1-az4--xa-s3',
      'read--er--use1-az4--xa-s3',
      'reader--nozone--xa-s3',
      'xn--reader--use1-az4--xa-s3',
      '--xa-s3',
    ]) {
      assert.equal(parseAccessPointName(bad), undefined, bad);
    }
  });
});

describe('access point scope', () => {
  const scope = { prefixes: ['shared/', 'logs/*'], permissions: ['GetObject', 'ListBucket', 'DeleteObject'] };
  test('the operation must be among the permissions, the key under a prefix', () => {
    assert.equal(scopeAllows(scope, 'GetObject', 'shared/a'), true);
    assert.equal(scopeAllows(scope, 'HeadObject', 'logs/2026'), true, 'a trailing * means the prefix');
    assert.equal(scopeAllows(scope, 'GetObject', 'private/a'), false);
    assert.equal(scopeAllows(scope, 'PutObject', 'shared/a'), false);
    assert.equal(scopeAllows(scope, 'ListObjectsV2', 'shared/'), true);
    assert.equal(scopeAllows(scope, 'ListObjectsV2', ''), false);
    assert.equal(scopeAllows(scope, 'HeadBucket', undefined), true);
    assert.equal(scopeAllows(scope, 'CreateSession', undefined), true);
    assert.equal(scopeAllows(scope, 'DeleteBucket', undefined), false);
    assert.equal(scopeAllows(undefined, 'PutObject', 'anything'), true);
    assert.equal(
      scopeAllows({ prefixes: [], permissions: ['PutObject'] }, 'CompleteMultipartUpload', 'k'),
      true,
    );
    assert.equal(scopeAllows({ prefixes: ['a/'], permissions: [] }, 'AbortMultipartUpload', 'a/k'), true);
  });

  test('checkScope reads listing prefixes from the query; DeleteObjects only by permission', () => {
    const ap = { scope } as AccessPointRecord;
    checkScope(ap, 'ListObjectsV2', undefined, new Map([['prefix', 'shared/x']]));
    assert.throws(
      () => checkScope(ap, 'ListObjectsV2', undefined, new Map()),
      (e: S3Error) => e.code === 'AccessDenied',
    );
    checkScope(ap, 'DeleteObjects', undefined, new Map());
    assert.throws(
      () =>
        checkScope(
          { scope: { prefixes: [] as string[], permissions: ['GetObject'] } } as AccessPointRecord,
          'DeleteObjects',
          undefined,
          new Map(),
        ),
      (e: S3Error) => e.code === 'AccessDenied',
    );
  });
});

describe('resource tags', () => {
  const invalid = (e: S3Error) => e.code === 'InvalidTag' && e.status === 400;
  test("AWS's rules", () => {
    checkTags([
      { key: 'team', value: 'data' },
      { key: 'a b:c/d=e+f-g@h_i.j', value: '' },
    ]);
    assert.throws(() => checkTags([{ key: '', value: 'x' }]), invalid);
    assert.throws(() => checkTags([{ key: 'aws:owner', value: 'x' }]), invalid);
    assert.throws(() => checkTags([{ key: 'k'.repeat(129), value: 'x' }]), invalid);
    assert.throws(() => checkTags([{ key: 'k', value: 'v'.repeat(257) }]), invalid);
    assert.throws(() => checkTags([{ key: 'k', value: 'semi;colon' }]), invalid);
    assert.throws(
      () =>
        checkTags([
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ]),
      invalid,
    );
    assert.throws(
      () => checkTags(Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' }))),
      invalid,
    );
  });
  test('TagResource adds and replaces, up to 50', () => {
    assert.deepEqual(
      mergeTags(
        [{ key: 'a', value: '1' }],
        [
          { key: 'a', value: '2' },
          { key: 'b', value: '3' },
        ],
      ),
      [
        { key: 'a', value: '2' },
        { key: 'b', value: '3' },
      ],
    );
    const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: '' }));
    assert.throws(() => mergeTags(fifty, [{ key: 'one-more', value: '' }]), invalid);
  });
});
