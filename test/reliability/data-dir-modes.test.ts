/**
 * The data dir is the owner's only: created 0700 with 0700 subdirectories, and every file in
 * it 0600 — the metadata database and its -wal/-shm files, blobs, secrets — under the usual
 * umask 022. A data dir that already exists keeps the mode its operator gave it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { INLINE_MAX_BYTES } from '../../src/storage/embedded.js';
import { walk } from '../helpers/data-dir.js';
import { bucketName, createBucketInput, startTestZonal } from '../helpers/zonal-fixture.js';

const modeOf = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

describe('data dir permissions', () => {
  let parent: string;
  let umask: number;
  before(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-modes-'));
    umask = process.umask(0o022); // the usual umask, whatever the test runner's
  });
  after(() => {
    process.umask(umask);
    fs.rmSync(parent, { recursive: true, force: true });
  });

  test('a new data dir: directories 0700, database, WAL, SHM, blobs and secrets 0600', async () => {
    const dataDir = path.join(parent, 'new', 'data');
    const t = await startTestZonal({ dataDir, fsync: true });
    try {
      const bucket = bucketName();
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
      const s3 = t.client();
      // One inline body (in the database) and one blob file.
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small', Body: 'x' }));
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'large', Body: Buffer.alloc(INLINE_MAX_BYTES + 1) }),
      );
      assert.equal(modeOf(dataDir), '700');
      for (const name of ['meta.sqlite3', 'meta.sqlite3-wal', 'meta.sqlite3-shm']) {
        assert.equal(modeOf(path.join(dataDir, name)), '600', name);
      }
      const { files, dirs } = walk(dataDir);
      assert.ok(
        files.some((f) => f.startsWith('blobs/')),
        'a blob file was written',
      );
      const wrong = [
        ...dirs.filter((d) => modeOf(path.join(dataDir, d)) !== '700'),
        ...files.filter((f) => modeOf(path.join(dataDir, f)) !== '600'),
      ].map((p) => `${p} ${modeOf(path.join(dataDir, p))}`);
      assert.deepEqual(wrong, [], 'every directory 0700 and every file 0600');
    } finally {
      await t.close();
    }
  });

  test('an existing data dir keeps the mode its operator chose', async () => {
    const dataDir = path.join(parent, 'existing');
    fs.mkdirSync(dataDir, { mode: 0o750 });
    fs.chmodSync(dataDir, 0o750);
    const t = await startTestZonal({ dataDir });
    try {
      assert.equal(modeOf(dataDir), '750');
      assert.equal(modeOf(path.join(dataDir, 'blobs')), '700');
    } finally {
      await t.close();
    }
  });
});
