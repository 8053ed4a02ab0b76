import { parseArgs } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  paginateListDirectoryBuckets,
  type S3Client,
} from '@aws-sdk/client-s3';
import { zonalConnectionFromEnv } from '../client/environment.js';
import { zonalS3Client } from '../client/zonal-client.js';
import { parseDirectoryBucketName } from '../protocol/bucket-names.js';
import { CONNECTION_USAGE, describeError } from './session.js';

export const BUCKET_USAGE = `Usage: zonal bucket <command> [options]

  create <name>        create a directory bucket; the zone comes from the name (<base>--<zone-id>--x-s3)
  list                 list the directory buckets, one name per line
  delete <name>        delete an empty directory bucket

${CONNECTION_USAGE}`;

async function createBucket(control: S3Client, name: string): Promise<string> {
  const parsed = parseDirectoryBucketName(name);
  if (parsed === undefined)
    throw new Error(`${name} is not a directory bucket name (<base>--<zone-id>--x-s3)`);
  const local = parsed.locationType === 'LocalZone';
  await control.send(
    new CreateBucketCommand({
      Bucket: name,
      CreateBucketConfiguration: {
        Location: { Type: parsed.locationType, Name: parsed.zoneId },
        Bucket: {
          Type: 'Directory',
          DataRedundancy: local ? 'SingleLocalZone' : 'SingleAvailabilityZone',
        },
      },
    }),
  );
  return `created ${name}`;
}

async function listBuckets(control: S3Client): Promise<string> {
  const names: string[] = [];
  for await (const page of paginateListDirectoryBuckets({ client: control }, {})) {
    for (const bucket of page.Buckets ?? []) if (bucket.Name) names.push(bucket.Name);
  }
  return names.join('\n');
}

async function deleteBucket(control: S3Client, name: string): Promise<string> {
  await control.send(new DeleteBucketCommand({ Bucket: name }));
  return `deleted ${name}`;
}

/** `zonal bucket create|list|delete`; returns the exit code. */
export async function bucket(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(BUCKET_USAGE);
    return subcommand === undefined ? 1 : 0;
  }
  if (subcommand !== 'create' && subcommand !== 'list' && subcommand !== 'delete') {
    console.error(`unknown bucket command: ${subcommand}\n\n${BUCKET_USAGE}`);
    return 1;
  }
  let clients;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: {
        endpoint: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(BUCKET_USAGE);
      return 0;
    }
    const wanted = subcommand === 'list' ? 0 : 1;
    if (positionals.length !== wanted) {
      throw new Error(
        subcommand === 'list' ? 'list takes no bucket name' : `${subcommand} takes one bucket name`,
      );
    }
    clients = zonalS3Client(zonalConnectionFromEnv(process.env, values));
    const name = positionals[0]!;
    const output =
      subcommand === 'create'
        ? await createBucket(clients.control, name)
        : subcommand === 'delete'
          ? await deleteBucket(clients.control, name)
          : await listBuckets(clients.control);
    if (output !== '') console.log(output);
    return 0;
  } catch (err) {
    console.error(`zonal bucket ${subcommand}: ${describeError(err)}`);
    return 1;
  } finally {
    clients?.destroy();
  }
}
