/**
 * The checkpointer's thread (checkpointer.ts): its own connection to the database, running a
 * PASSIVE checkpoint each time it is asked. PASSIVE never waits for readers or writers and
 * never calls the busy handler, so the server's connection is not held up; with synchronous
 * NORMAL it fsyncs the WAL and the database file, here instead of on the event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  path: string;
  fsync: boolean;
  /** Set to 1 (and notified) once the connection is closed: the checkpointer's close waits on it. */
  closed: Int32Array;
}

/** What the thread answers to each 'checkpoint': `log` frames in the WAL, -1 when it failed. */
export interface CheckpointResult {
  log: number;
}

const port = parentPort!;
const { path, fsync, closed } = workerData as CheckpointWorkerData;
const db = new Database(path, { fileMustExist: true });
db.pragma(`synchronous = ${fsync ? 'NORMAL' : 'OFF'}`);
db.pragma('wal_autocheckpoint = 0');

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    port.close();
    return;
  }
  let result: CheckpointResult;
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number }[];
    result = { log: row?.log ?? 0 };
  } catch {
    result = { log: -1 };
  }
  port.postMessage(result);
});
