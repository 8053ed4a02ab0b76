/**
 * The `--blobs` spec and its options, checked before any tier is touched: what each form
 * means, and the message for each mistake (none of which names the secret key).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseServeArgs } from '../../src/cli/serve.js';
import { LocalDirBlobStore } from '../../src/storage/files/blob-files.js';
import { openBlobTier, parseBlobTier, resolveBlobTier } from '../../src/storage/blob-tier.js';

const env = { ZONAL_BLOBS_ACCESS_KEY_ID: 'AKIDEXAMPLE', ZONAL_BLOBS_SECRET_ACCESS_KEY: 'not-to-be-seen' };

describe('parseBlobTier', () => {
  test('dir:PATH and s3://BUCKET[/prefix] (a prefix always ends in /)', () => {
    assert.deepEqual(parseBlobTier('dir:/srv/blobs'), { kind: 'dir', path: '/srv/blobs' });
    assert.deepEqual(parseBlobTier('s3://zonal-blobs'), { kind: 's3', bucket: 'zonal-blobs', prefix: '' });
    assert.deepEqual(parseBlobTier('s3://zonal-blobs/'), { kind: 's3', bucket: 'zonal-blobs', prefix: '' });
    assert.deepEqual(parseBlobTier('s3://zonal.blobs/node/a'), {
      kind: 's3',
      bucket: 'zonal.blobs',
      prefix: 'node/a/',
    });
    assert.deepEqual(parseBlobTier('s3://b01/p/'), { kind: 's3', bucket: 'b01', prefix: 'p/' });
  });

  test('malformed specs are refused with what was expected', () => {
    for (const [spec, message] of [
      ['/srv/blobs', /expected dir:PATH or s3:\/\/BUCKET\[\/prefix\]/],
      ['file:///srv', /expected dir:PATH/],
      ['dir:', /the directory is empty/],
      ['s3://', /"" is not a bucket name/],
      ['s3://Upper', /"Upper" is not a bucket name/],
      ['s3://ab', /"ab" is not a bucket name/],
      ['s3://a..b', /not a bucket name/],
      ['s3://-ab', /not a bucket name/],
      ['s3://bucket_1', /not a bucket name/],
      ['s3://bucket//x', /empty path segment/],
      ['s3://bucket/a//b', /empty path segment/],
    ] as const) {
      assert.throws(() => parseBlobTier(spec), message, spec);
    }
  });
});

describe('resolveBlobTier', () => {
  test('s3: endpoint, region, credentials from the environment', () => {
    const tier = resolveBlobTier({
      spec: 's3://zonal-blobs/n1',
      endpoint: 'http://127.0.0.1:7480/',
      region: 'eu-west-3',
      fsync: true,
      env,
    });
    assert.deepEqual(tier, {
      kind: 's3',
      options: {
        endpoint: 'http://127.0.0.1:7480',
        region: 'eu-west-3',
        bucket: 'zonal-blobs',
        prefix: 'n1/',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-to-be-seen' },
      },
    });
  });

  test('s3 without an endpoint is AWS S3 in the region (us-east-1 by default)', () => {
    const tier = resolveBlobTier({ spec: 's3://zonal-blobs', fsync: false, env });
    assert.equal(tier.kind === 's3' && tier.options.endpoint, 'https://s3.us-east-1.amazonaws.com');
  });

  test('bad configuration is refused before the tier is touched, never echoing the secret', () => {
    for (const [options, message] of [
      [
        { spec: 's3://zonal-blobs', env: {} },
        /needs credentials: set ZONAL_BLOBS_ACCESS_KEY_ID and ZONAL_BLOBS_SECRET_ACCESS_KEY/,
      ],
      [{ spec: 's3://zonal-blobs', env: { ZONAL_BLOBS_ACCESS_KEY_ID: 'AKID' } }, /needs credentials/],
      [
        { spec: 's3://zonal-blobs', endpoint: 'rgw:7480', env },
        /only http:\/\/ and https:\/\/ are supported/,
      ],
      [{ spec: 's3://zonal-blobs', endpoint: 'not a url', env }, /is not a URL/],
      [
        { spec: 's3://zonal-blobs', endpoint: 'http://k:s@rgw:7480', env },
        /give only a scheme, host and port/,
      ],
      [{ spec: 's3://zonal-blobs', region: 'Mars 1', env }, /is not a region name/],
      [{ spec: 'dir:/srv/blobs', endpoint: 'http://rgw:7480', env }, /apply only to --blobs s3:\/\/BUCKET/],
    ] as const) {
      assert.throws(
        () => resolveBlobTier({ fsync: false, ...options }),
        (err: Error) => {
          assert.match(err.message, message);
          assert.ok(!err.message.includes('not-to-be-seen'));
          return true;
        },
      );
    }
  });
});

describe('openBlobTier dir:', () => {
  test('creates the directory and gives a LocalDirBlobStore in it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-tier-'));
    try {
      const blobs = await openBlobTier({ spec: `dir:${root}/blobs`, fsync: false });
      assert.ok(blobs instanceof LocalDirBlobStore);
      assert.ok(fs.statSync(path.join(root, 'blobs', 'blobs')).isDirectory());
      blobs.close();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a directory that cannot be created is a clear error', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-tier-'));
    try {
      fs.writeFileSync(path.join(root, 'file'), '');
      await assert.rejects(
        openBlobTier({ spec: `dir:${root}/file/blobs`, fsync: false }),
        /blob directory .*file\/blobs cannot be created or written/,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('zonal serve --blobs flags', () => {
  test('--blobs with its endpoint and region reach the config; without --blobs there is none', () => {
    const config = parseServeArgs([
      '--blobs',
      's3://zonal-blobs/n1',
      '--blobs-endpoint',
      'http://127.0.0.1:7480',
      '--blobs-region',
      'eu-west-3',
    ]);
    assert.deepEqual(config.blobs, {
      spec: 's3://zonal-blobs/n1',
      endpoint: 'http://127.0.0.1:7480',
      region: 'eu-west-3',
    });
    assert.equal(parseServeArgs([]).blobs, undefined);
  });

  test('companions without --blobs, and --ephemeral with --blobs, are refused', () => {
    assert.throws(() => parseServeArgs(['--blobs-endpoint', 'http://h:1']), /go with --blobs s3:\/\/BUCKET/);
    assert.throws(() => parseServeArgs(['--blobs-region', 'us-east-2']), /go with --blobs/);
    assert.throws(
      () => parseServeArgs(['--ephemeral', '--blobs', 's3://zonal-blobs']),
      /--ephemeral .* no --blobs/,
    );
  });
});
