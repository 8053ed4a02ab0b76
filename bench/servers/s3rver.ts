import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnTracked } from '../lib/children.js';
import { distBenchDir, runDir } from '../lib/paths.js';
import { openLog, stopper, type BenchServer, waitUntilAnswering } from './server.js';

/** s3rver accepts any well-formed signature made with these (its documented defaults). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** A regular (general purpose) bucket name: s3rver knows nothing of directory buckets. */
export const S3RVER_BUCKET = 'bench';

export async function startS3rver(): Promise<BenchServer> {
  const port = await freePort();
  const directory = path.join(runDir, 'data', 's3rver');
  fs.mkdirSync(directory, { recursive: true });
  fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const logFile = path.join(runDir, 'logs', 's3rver.log');
  const log = openLog(logFile);
  const child = spawnTracked(
    process.execPath,
    [path.join(distBenchDir, 'servers/s3rver-main.js'), String(port), directory, S3RVER_BUCKET],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const endpoint = await waitUntilAnswering(port, child);
  return { label: 's3rver', endpoint, child, logFiles: [logFile], stop: stopper(child) };
}
