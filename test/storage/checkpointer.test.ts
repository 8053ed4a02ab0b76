import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Checkpointer } from '../../src/storage/sqlite/checkpointer.js';

const PAGE = 4096;
const FRAME = PAGE + 24;

function openWal(t: { after: (fn: () => void) => void }): { db: Database.Database; walBytes: () => number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-ckpt-'));
  const file = path.join(dir, 'meta.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL)');
  t.after(() => {
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { db, walBytes: () => fs.statSync(`${file}-wal`).size };
}

/** `n` one-row overwrites of 4 KiB, each its own transaction, reported to the checkpointer. */
function writer(db: Database.Database, checkpointer: Checkpointer): (n: number, from: number) => void {
  const put = db.prepare('INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)');
  const tx = db.transaction((k: string) => put.run(k, Buffer.alloc(PAGE, 1)));
  return (n, from) => {
    for (let i = from; i < from + n; i++) {
      tx.immediate(`k${i % 500}`);
      checkpointer.committed();
    }
  };
}

test('checkpoints run on the worker thread and keep the WAL bounded', async (t) => {
  const { db, walBytes } = openWal(t);
  const checkpointer = new Checkpointer(db, false);
  const write = writer(db, checkpointer);
  // 30,000 transactions in batches, the event loop polled in between (as a server's is).
  for (let i = 0; i < 30_000; i += 50) {
    write(50, i);
    await yieldToLoop();
  }
  checkpointer.close();
  assert.ok(checkpointer.counts.thread > 10, `thread checkpoints: ${checkpointer.counts.thread}`);
  // Without checkpoints the WAL would hold every transaction's pages: > 30,000 frames.
  assert.ok(walBytes() < 20_000 * FRAME, `WAL ${walBytes()} bytes`);
  // The connection's automatic checkpoint is off: it never ran one inside a commit.
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
});

test('a writer that never lets the loop poll still gets its WAL checkpointed', (t) => {
  const { db, walBytes } = openWal(t);
  const checkpointer = new Checkpointer(db, false);
  // One synchronous run: the thread's answers cannot arrive, the connection catches up itself.
  writer(db, checkpointer)(20_000, 0);
  checkpointer.close();
  assert.ok(checkpointer.counts.connection > 0, 'the connection checkpointed');
  // Unchecked, 20,000 transactions of a 4 KiB row would leave over 40,000 frames. The
  // connection catches up past 16,384 frames, but a checkpoint the thread is running at the
  // same moment can keep the WAL from rewinding for a while (seen on a loaded machine: 23,700
  // frames), so the bound checked is twice the catch-up point.
  assert.ok(walBytes() < 2 * 16_384 * FRAME, `WAL ${walBytes()} bytes`);
});

test('close waits for the thread to close its connection: the WAL goes with the last one', async (t) => {
  const { db } = openWal(t);
  const checkpointer = new Checkpointer(db, false);
  const write = writer(db, checkpointer);
  // Enough commits to start the thread, then until it has answered once (its connection is open).
  for (let i = 0; checkpointer.counts.thread === 0; i += 100) {
    assert.ok(i < 1_000_000, 'the thread never answered');
    write(100, i);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  checkpointer.close();
  db.close();
  // The connection closed last: SQLite checkpointed and removed the WAL and its index. Had the
  // thread still held the database open, both files would still be there.
  assert.equal(fs.existsSync(`${db.name}-wal`), false, 'no WAL left');
  assert.equal(fs.existsSync(`${db.name}-shm`), false, 'no WAL index left');
});
