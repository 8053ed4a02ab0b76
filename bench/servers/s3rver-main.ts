/**
 * Child process entry: runs s3rver (installed in bench/.deps, not a project dependency).
 * argv: <port> <directory> <bucket>
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { depsDir } from '../lib/paths.js';

interface S3rverInstance {
  run(): Promise<unknown>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

const [port, directory, bucket] = process.argv.slice(2);
if (port === undefined || directory === undefined || bucket === undefined) {
  console.error('usage: s3rver-main <port> <directory> <bucket>');
  process.exit(2);
}
const require = createRequire(path.join(depsDir, 'package.json'));
const S3rver = require('s3rver') as S3rverClass;
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
await server.run();
console.log(`s3rver listening on 127.0.0.1:${port}`);
const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
