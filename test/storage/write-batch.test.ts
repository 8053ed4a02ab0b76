import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { WriteBatch } from '../../src/storage/sqlite/write-batch.js';

function openDb(t: { after: (fn: () => void) => void }): Database.Database {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-batch-'));
  const db = new Database(path.join(dir, 'meta.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL)');
  t.after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

const keys = (db: Database.Database): string[] =>
  (db.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((r) => r.k);

test('writes asked for in one turn commit together, in order, each seeing the ones before', async (t) => {
  const db = openDb(t);
  let commits = 0;
  const batch = new WriteBatch(db, () => commits++);
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const count = db.prepare('SELECT count(*) AS n FROM t');
  const seen = await Promise.all(
    ['a', 'b', 'c', 'd'].map((k) =>
      batch.run(() => {
        insert.run(k, Buffer.from(k));
        return (count.get() as { n: number }).n;
      }),
    ),
  );
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(commits, 1);
  assert.deepEqual(keys(db), ['a', 'b', 'c', 'd']);
  // A later turn is a new batch.
  await batch.run(() => insert.run('e', Buffer.from('e')));
  assert.equal(commits, 2);
});

test('a failing write rolls back alone and fails alone', async (t) => {
  const db = openDb(t);
  const batch = new WriteBatch(db, () => undefined);
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const results = await Promise.allSettled([
    batch.run(() => insert.run('a', Buffer.from('1'))),
    batch.run(() => {
      insert.run('b', Buffer.from('2'));
      throw new Error('condition failed');
    }),
    // A duplicate key: SQLite refuses it (the statement), the batch goes on.
    batch.run(() => insert.run('a', Buffer.from('3'))),
    batch.run(() => insert.run('c', Buffer.from('4'))),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /condition failed/);
  assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE/);
  // The failed write's own insert of b is gone; a and c are there.
  assert.deepEqual(keys(db), ['a', 'c']);
});

test('on a full database, what resolved is stored and what was rejected is not', async (t) => {
  const db = openDb(t);
  const batch = new WriteBatch(db, () => undefined);
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages + 8}`);
  const wanted = Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, '0')}`);
  const results = await Promise.allSettled(
    wanted.map((k) => batch.run(() => insert.run(k, Buffer.alloc(8192, 1)))),
  );
  assert.ok(
    results.some((r) => r.status === 'rejected'),
    'the database filled up',
  );
  const stored = wanted.filter((_, i) => results[i]!.status === 'fulfilled');
  assert.deepEqual(keys(db), stored);
  assert.equal(db.inTransaction, false);
});

test('shared: a batch waits for another process’s write lock without stopping the event loop', async (t) => {
  const db = openDb(t);
  db.pragma('busy_timeout = 5000');
  // A second connection stands in for another worker holding the write lock.
  const other = new Database(db.name);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  other.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('theirs', Buffer.from('x'));

  let commits = 0;
  const batch = new WriteBatch(db, () => commits++, true);
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const started = Date.now();
  const mine = batch.run(() => insert.run('mine', Buffer.from('y')));
  // While the lock is taken, timers of this process keep firing: 20 of them, one per ms or so.
  let ticks = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (++ticks === 20) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  assert.equal(commits, 0, 'nothing committed while the other holds the lock');
  assert.ok(Date.now() - started < 1_000, 'the event loop was not held up by a busy wait');
  other.exec('COMMIT');
  await mine;
  assert.equal(commits, 1);
  assert.deepEqual(keys(db), ['mine', 'theirs']);
  assert.equal(
    db.pragma('busy_timeout', { simple: true }),
    5000,
    'the connection waits as before for others',
  );
});
