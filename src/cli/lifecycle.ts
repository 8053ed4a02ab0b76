import { parseArgs } from 'node:util';
import {
  GetBucketLifecycleConfigurationCommand,
  paginateListDirectoryBuckets,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { zonalConnectionFromEnv, type ZonalConnection } from '../client/environment.js';
import { zonalS3Client } from '../client/zonal-client.js';
import { adminRequest } from './admin-request.js';
import { CONNECTION_USAGE, describeError } from './session.js';

export const LIFECYCLE_USAGE = `Usage: zonal lifecycle <command> [options]

  list                 the lifecycle rules of your directory buckets, one line per rule
  run                  apply every bucket's lifecycle rules now (root credentials; prints what it did)

${CONNECTION_USAGE}`;

function describeRule(rule: LifecycleRule): string {
  const filter = rule.Filter;
  const prefix = rule.Prefix ?? filter?.Prefix ?? filter?.And?.Prefix ?? '';
  const greater = filter?.ObjectSizeGreaterThan ?? filter?.And?.ObjectSizeGreaterThan;
  const less = filter?.ObjectSizeLessThan ?? filter?.And?.ObjectSizeLessThan;
  const parts = [`${rule.ID ?? ''}`, rule.Status ?? '', `prefix=${JSON.stringify(prefix)}`];
  if (greater !== undefined) parts.push(`size>${greater}`);
  if (less !== undefined) parts.push(`size<${less}`);
  if (rule.Expiration?.Days !== undefined) parts.push(`expire-after-days=${rule.Expiration.Days}`);
  const abort = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation;
  if (abort !== undefined) parts.push(`abort-uploads-after-days=${abort}`);
  return parts.join(' ');
}

async function listRules(control: S3Client): Promise<string> {
  const lines: string[] = [];
  for await (const page of paginateListDirectoryBuckets({ client: control }, {})) {
    for (const bucket of page.Buckets ?? []) {
      if (!bucket.Name) continue;
      try {
        const got = await control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket.Name }));
        for (const rule of got.Rules ?? []) lines.push(`${bucket.Name} ${describeRule(rule)}`);
      } catch (err) {
        if ((err as Error).name !== 'NoSuchLifecycleConfiguration') throw err;
      }
    }
  }
  return lines.join('\n');
}

async function runNow(connection: ZonalConnection): Promise<string> {
  const report = (await adminRequest(connection, 'POST', '/_zonal/lifecycle/run')) as {
    buckets: number;
    expiredObjects: number;
    abortedUploads: number;
  };
  return `${report.buckets} buckets with lifecycle rules: ${report.expiredObjects} objects expired, ${report.abortedUploads} uploads aborted`;
}

/** `zonal lifecycle list|run`; returns the exit code. */
export async function lifecycle(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(LIFECYCLE_USAGE);
    return subcommand === undefined ? 1 : 0;
  }
  if (subcommand !== 'list' && subcommand !== 'run') {
    console.error(`unknown lifecycle command: ${subcommand}\n\n${LIFECYCLE_USAGE}`);
    return 1;
  }
  let clients;
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: { endpoint: { type: 'string' }, region: { type: 'string' } },
    });
    const connection = zonalConnectionFromEnv(process.env, values);
    let output: string;
    if (subcommand === 'run') output = await runNow(connection);
    else {
      clients = zonalS3Client(connection);
      output = await listRules(clients.control);
    }
    if (output !== '') console.log(output);
    return 0;
  } catch (err) {
    console.error(`zonal lifecycle ${subcommand}: ${describeError(err)}`);
    return 1;
  } finally {
    clients?.destroy();
  }
}
