import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketInventoryConfigurationCommand,
  DeleteBucketMetricsConfigurationCommand,
  GetBucketInventoryConfigurationCommand,
  GetBucketMetricsConfigurationCommand,
  GetObjectCommand,
  ListBucketInventoryConfigurationsCommand,
  ListBucketMetricsConfigurationsCommand,
  ListObjectsV2Command,
  PutBucketInventoryConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketMetricsConfigurationCommand,
  PutObjectCommand,
  type InventoryConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { zonalBin } from '../helpers/cli-server.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';
import { setClockOffset, zonalAdmin } from '../helpers/zonal-admin.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import { hasBoto3, runBoto3Script } from '../helpers/boto3-script.js';
import { control as controlCall, controlXml } from '../helpers/s3-control.js';

describe('inventory and metrics configurations', { timeout: 120_000 }, () => {
  let t: TestZonal;
  let control: S3Client;
  before(async () => {
    t = await startTestZonal({ testClock: true, maintenanceIntervalSeconds: 0 });
    control = t.controlClient();
  });
  after(() => t.close());

  const newBucket = async (): Promise<string> => {
    const bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    return bucket;
  };
  const inventoryConfig = (destination: string, id = 'daily'): InventoryConfiguration => ({
    Id: id,
    IsEnabled: true,
    Destination: {
      S3BucketDestination: {
        Bucket: `arn:aws:s3:::${destination}`,
        Format: 'CSV',
        Prefix: 'reports',
        Encryption: { SSES3: {} },
      },
    },
    Filter: { Prefix: 'data/' },
    IncludedObjectVersions: 'Current',
    OptionalFields: ['Size', 'ETag', 'IsMultipartUploaded', 'ChecksumAlgorithm', 'LifecycleExpirationDate'],
    Schedule: { Frequency: 'Daily' },
  });

  describe('inventory', () => {
    test('Put, Get, List and Delete round trip; 404 NoSuchConfiguration', async () => {
      const bucket = await newBucket();
      const config = inventoryConfig(bucket);
      await control.send(
        new PutBucketInventoryConfigurationCommand({
          Bucket: bucket,
          Id: 'daily',
          InventoryConfiguration: config,
        }),
      );
      const got = await control.send(
        new GetBucketInventoryConfigurationCommand({ Bucket: bucket, Id: 'daily' }),
      );
      assert.deepEqual(got.InventoryConfiguration, config);
      const listed = await control.send(new ListBucketInventoryConfigurationsCommand({ Bucket: bucket }));
      assert.equal(listed.IsTruncated, false);
      assert.deepEqual(listed.InventoryConfigurationList, [config]);
      await control.send(new DeleteBucketInventoryConfigurationCommand({ Bucket: bucket, Id: 'daily' }));
      await expectS3Error(
        control.send(new GetBucketInventoryConfigurationCommand({ Bucket: bucket, Id: 'daily' })),
        'NoSuchConfiguration',
        404,
      );
      await expectS3Error(
        control.send(new DeleteBucketInventoryConfigurationCommand({ Bucket: bucket, Id: 'daily' })),
        'NoSuchConfiguration',
        404,
      );
      const empty = await control.send(new ListBucketInventoryConfigurationsCommand({ Bucket: bucket }));
      assert.equal(empty.InventoryConfigurationList, undefined);
    });

    test('AWS’s validation', async () => {
      const bucket = await newBucket();
      const put = (c: InventoryConfiguration, Id = c.Id) =>
        control.send(
          new PutBucketInventoryConfigurationCommand({ Bucket: bucket, Id, InventoryConfiguration: c }),
        );
      const base = inventoryConfig(bucket);
      await expectS3Error(
        put({ ...base, OptionalFields: ['Size', 'ReplicationStatus'] }),
        'MalformedXML',
        400,
      );
      await expectS3Error(put({ ...base, IncludedObjectVersions: 'All' }), 'InvalidArgument', 400);
      await expectS3Error(
        put({
          ...base,
          Destination: { S3BucketDestination: { Bucket: `arn:aws:s3:::${bucket}`, Format: 'ORC' } },
        }),
        'NotImplemented',
        501,
      );
      await expectS3Error(
        put({ ...base, Destination: { S3BucketDestination: { Bucket: 'not-an-arn', Format: 'CSV' } } }),
        'InvalidArgument',
        400,
      );
      await expectS3Error(put(base, 'other-id'), 'InvalidArgument', 400);
      await expectS3Error(put({ ...base, Id: 'bad id!' }), 'InvalidArgument', 400);
      await expectS3Error(
        control.send(
          new PutBucketInventoryConfigurationCommand({
            Bucket: bucket,
            Id: 'daily',
            InventoryConfiguration: base,
            ExpectedBucketOwner: '123456789012',
          }),
        ),
        'NotImplemented',
        501,
      );
      await expectS3Error(
        control.send(new ListBucketInventoryConfigurationsCommand({ Bucket: 'nope--use1-az4--x-s3' })),
        'NoSuchBucket',
        404,
      );
    });

    test('List pages by 100 with continuation tokens', async () => {
      const bucket = await newBucket();
      const ids = Array.from({ length: 101 }, (_, i) => `c${String(i).padStart(3, '0')}`);
      for (const id of ids) {
        await control.send(
          new PutBucketInventoryConfigurationCommand({
            Bucket: bucket,
            Id: id,
            InventoryConfiguration: inventoryConfig(bucket, id),
          }),
        );
      }
      const first = await control.send(new ListBucketInventoryConfigurationsCommand({ Bucket: bucket }));
      assert.equal(first.IsTruncated, true);
      assert.equal(first.InventoryConfigurationList?.length, 100);
      const second = await control.send(
        new ListBucketInventoryConfigurationsCommand({
          Bucket: bucket,
          ContinuationToken: first.NextContinuationToken,
        }),
      );
      assert.equal(second.IsTruncated, false);
      assert.deepEqual(
        second.InventoryConfigurationList?.map((c) => c.Id),
        ['c100'],
      );
    });

    test('a report: CSV files with the asked fields and a manifest, in the destination; on schedule and on demand', async () => {
      const source = await newBucket();
      const destination = await newBucket();
      await control.send(new PutObjectCommand({ Bucket: source, Key: 'data/a b.txt', Body: 'hello' }));
      await control.send(new PutObjectCommand({ Bucket: source, Key: 'data/x/y', Body: 'hi' }));
      await control.send(new PutObjectCommand({ Bucket: source, Key: 'skipped', Body: 'no' }));
      await control.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: source,
          LifecycleConfiguration: {
            Rules: [{ ID: 'r', Status: 'Enabled', Filter: { Prefix: 'data/x/' }, Expiration: { Days: 3 } }],
          },
        }),
      );
      await control.send(
        new PutBucketInventoryConfigurationCommand({
          Bucket: source,
          Id: 'daily',
          InventoryConfiguration: inventoryConfig(destination),
        }),
      );
      const res = await zonalAdmin(t.zonal.port, 'POST', '/_zonal/inventory/run', { bucket: source });
      assert.equal(res.status, 200, res.body);
      const [report] = (res.json as { reports: { manifestKey: string; objects: number }[] }).reports;
      assert.equal(report?.objects, 2);
      assert.match(
        report!.manifestKey,
        new RegExp(`^reports/${source}/daily/\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\dZ/manifest.json$`),
      );
      const text = async (Key: string, Bucket = destination) =>
        (await control.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray();
      const manifestBytes = await text(report!.manifestKey);
      const manifest = JSON.parse(Buffer.from(manifestBytes).toString()) as {
        sourceBucket: string;
        destinationBucket: string;
        fileFormat: string;
        fileSchema: string;
        files: { key: string; size: number; MD5checksum: string }[];
      };
      assert.equal(manifest.sourceBucket, source);
      assert.equal(manifest.destinationBucket, `arn:aws:s3:::${destination}`);
      assert.equal(manifest.fileFormat, 'CSV');
      assert.equal(
        manifest.fileSchema,
        'Bucket, Key, Size, ETag, IsMultipartUploaded, ChecksumAlgorithm, LifecycleExpirationDate',
      );
      const checksum = Buffer.from(
        await text(report!.manifestKey.replace('manifest.json', 'manifest.checksum')),
      ).toString();
      assert.match(checksum, /^[0-9a-f]{32}$/);
      assert.equal(manifest.files.length, 1);
      const csv = zlib
        .gunzipSync(await text(manifest.files[0]!.key))
        .toString()
        .trim()
        .split('\n');
      assert.equal(csv.length, 2);
      const [a, y] = csv.map((line) => JSON.parse(`[${line}]`) as string[]);
      assert.deepEqual(a!.slice(0, 3), [source, 'data%2Fa%20b.txt', '5']);
      assert.match(a![3]!, /^[0-9a-f]{32}$/);
      assert.deepEqual(a!.slice(4), ['false', 'CRC32', '']);
      assert.deepEqual(y!.slice(0, 3), [source, 'data%2Fx%2Fy', '2']);
      assert.match(y![6]!, /^\d{4}-\d\d-\d\dT00:00:00\.000Z$/, 'the lifecycle expiration date, a midnight');

      // On schedule: due a day after the last report.
      assert.deepEqual((await t.zonal.inventory.run({ bucket: source })).reports, []);
      await setClockOffset(t.zonal.port, 86400 + 60);
      const scheduled = await t.zonal.inventory.run({ bucket: source });
      assert.deepEqual(
        scheduled.reports.map((r) => r.bucket),
        [source],
      );
      await setClockOffset(t.zonal.port, 0);
      const listed = await control.send(
        new ListObjectsV2Command({ Bucket: destination, Prefix: `reports/${source}/daily/` }),
      );
      assert.equal(listed.Contents?.filter((o) => o.Key!.endsWith('manifest.json')).length, 2);

      // On demand from the CLI.
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [zonalBin, 'inventory', 'run', '--bucket', source, '--id', 'daily'],
          {
            env: {
              PATH: process.env.PATH,
              ZONAL_ENDPOINT: t.ipEndpoint,
              ZONAL_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
              ZONAL_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
            },
          },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
        );
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(`^${source} daily reports/${source}/daily/.*manifest.json \\(2 objects\\)$`, 'm'),
      );
    });
  });

  describe('metrics', () => {
    test('Put, Get, List and Delete round trip; tag filters refused', async () => {
      const bucket = await newBucket();
      await control.send(
        new PutBucketMetricsConfigurationCommand({
          Bucket: bucket,
          Id: 'logs',
          MetricsConfiguration: { Id: 'logs', Filter: { Prefix: 'logs/' } },
        }),
      );
      await control.send(
        new PutBucketMetricsConfigurationCommand({
          Bucket: bucket,
          Id: 'all',
          MetricsConfiguration: { Id: 'all' },
        }),
      );
      const got = await control.send(
        new GetBucketMetricsConfigurationCommand({ Bucket: bucket, Id: 'logs' }),
      );
      assert.deepEqual(got.MetricsConfiguration, { Id: 'logs', Filter: { Prefix: 'logs/' } });
      const listed = await control.send(new ListBucketMetricsConfigurationsCommand({ Bucket: bucket }));
      assert.deepEqual(
        listed.MetricsConfigurationList?.map((c) => c.Id),
        ['all', 'logs'],
      );
      await expectS3Error(
        control.send(
          new PutBucketMetricsConfigurationCommand({
            Bucket: bucket,
            Id: 'tags',
            MetricsConfiguration: { Id: 'tags', Filter: { Tag: { Key: 'k', Value: 'v' } } },
          }),
        ),
        'InvalidRequest',
        400,
      );
      await expectS3Error(
        control.send(
          new PutBucketMetricsConfigurationCommand({
            Bucket: bucket,
            Id: 'x',
            MetricsConfiguration: { Id: 'y' },
          }),
        ),
        'InvalidArgument',
        400,
      );
      await control.send(new DeleteBucketMetricsConfigurationCommand({ Bucket: bucket, Id: 'all' }));
      await expectS3Error(
        control.send(new GetBucketMetricsConfigurationCommand({ Bucket: bucket, Id: 'all' })),
        'NoSuchConfiguration',
        404,
      );
      const raw = await signRequest(
        t.zonal.port,
        {
          method: 'PUT',
          path: `/${bucket}`,
          query: { metrics: '', id: 'm' },
          body: '<MetricsConfiguration><Id>m</Id><Filter><Prefix>a</Prefix><AccessPointArn>x</AccessPointArn></Filter></MetricsConfiguration>',
        },
        { credentials: ROOT_KEY },
      );
      const res = await send(raw, t.zonal.port);
      assert.equal(res.status, 400);
      assert.equal(res.code, 'MalformedXML');
    });

    test('/metrics counts the requests each configuration selects', async () => {
      const bucket = await newBucket();
      await control.send(
        new PutBucketMetricsConfigurationCommand({
          Bucket: bucket,
          Id: 'logs',
          MetricsConfiguration: { Id: 'logs', Filter: { Prefix: 'logs/' } },
        }),
      );
      await control.send(
        new PutBucketMetricsConfigurationCommand({
          Bucket: bucket,
          Id: 'all',
          MetricsConfiguration: { Id: 'all' },
        }),
      );
      await control.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/a', Body: 'a' }));
      await control.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/b', Body: 'b' }));
      await control.send(new GetObjectCommand({ Bucket: bucket, Key: 'logs/a' }));
      await expectS3Error(
        control.send(new GetObjectCommand({ Bucket: bucket, Key: 'logs/none' })),
        'NoSuchKey',
        404,
      );
      const metrics = await (await fetch(`${t.ipEndpoint}/metrics`)).text();
      const count = (id: string, operation: string, status: string): number => {
        const line = metrics
          .split('\n')
          .find((l) =>
            l.startsWith(
              `zonal_bucket_requests_total{bucket="${bucket}",metrics_id="${id}",operation="${operation}",status="${status}"}`,
            ),
          );
        return line === undefined ? 0 : Number(line.split(' ').pop());
      };
      assert.equal(count('logs', 'PutObject', '200'), 1);
      assert.equal(count('all', 'PutObject', '200'), 2);
      assert.equal(count('logs', 'GetObject', '200'), 1);
      assert.equal(count('logs', 'GetObject', '404'), 1);
      assert.equal(count('all', 'GetObject', '404'), 1);
      assert.match(
        metrics,
        new RegExp(`^zonal_bucket_bytes_sent_total\\{bucket="${bucket}",metrics_id="logs"\\} [1-9]`, 'm'),
      );
    });

    test('a configuration naming an access point counts the requests made through it, and only those', async () => {
      const bucket = await newBucket();
      const accountId = t.zonal.root.identity.accountId;
      const ap = `mtr${Date.now() % 100000}--use1-az4--xa-s3`;
      const created = await controlCall(t.zonal.port, {
        method: 'PUT',
        path: `accesspoint/${ap}`,
        accountId,
        credentials: ROOT_KEY,
        body: controlXml('CreateAccessPointRequest', `<Bucket>${bucket}</Bucket>`),
      });
      assert.equal(created.status, 200, created.body.toString());
      const arn = `arn:aws:s3express:us-east-1:${accountId}:accesspoint/${ap}`;
      await control.send(
        new PutBucketMetricsConfigurationCommand({
          Bucket: bucket,
          Id: 'ap',
          MetricsConfiguration: { Id: 'ap', Filter: { AccessPointArn: arn } },
        }),
      );
      await control.send(new PutObjectCommand({ Bucket: bucket, Key: 'direct', Body: 'a' }));
      await control.send(new PutObjectCommand({ Bucket: ap, Key: 'through', Body: 'b' }));
      await control.send(new GetObjectCommand({ Bucket: ap, Key: 'through' }));
      const metrics = await (await fetch(`${t.ipEndpoint}/metrics`)).text();
      const series = (operation: string): number => {
        const line = metrics
          .split('\n')
          .find((l) =>
            l.startsWith(
              `zonal_bucket_requests_total{bucket="${bucket}",metrics_id="ap",operation="${operation}",status="200"}`,
            ),
          );
        return line === undefined ? 0 : Number(line.split(' ').pop());
      };
      assert.equal(series('PutObject'), 1, 'only the PUT through the access point');
      assert.equal(series('GetObject'), 1);
    });
  });
});

const BOTO3_SCRIPT = String.raw`
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
port, key, secret, bucket = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:' + port, region_name='us-east-1',
    aws_access_key_id=key, aws_secret_access_key=secret, config=Config(s3={'addressing_style': 'path'}))
def code(call):
    try:
        call()
        return 'ok'
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
out = {}
inventory = {'Id': 'weekly', 'IsEnabled': False, 'IncludedObjectVersions': 'Current', 'Schedule': {'Frequency': 'Weekly'},
    'Destination': {'S3BucketDestination': {'Bucket': 'arn:aws:s3:::' + bucket, 'Format': 'CSV', 'Prefix': 'inv'}},
    'OptionalFields': ['Size', 'LastModifiedDate']}
s3.put_bucket_inventory_configuration(Bucket=bucket, Id='weekly', InventoryConfiguration=inventory)
out['inventory'] = s3.get_bucket_inventory_configuration(Bucket=bucket, Id='weekly')['InventoryConfiguration']
out['inventory_list'] = [c['Id'] for c in s3.list_bucket_inventory_configurations(Bucket=bucket)['InventoryConfigurationList']]
bad = dict(inventory, OptionalFields=['StorageClass', 'ObjectOwner'])
out['inventory_bad_field'] = code(lambda: s3.put_bucket_inventory_configuration(Bucket=bucket, Id='weekly', InventoryConfiguration=bad))
s3.delete_bucket_inventory_configuration(Bucket=bucket, Id='weekly')
out['inventory_after_delete'] = code(lambda: s3.get_bucket_inventory_configuration(Bucket=bucket, Id='weekly'))
s3.put_bucket_metrics_configuration(Bucket=bucket, Id='docs', MetricsConfiguration={'Id': 'docs', 'Filter': {'Prefix': 'docs/'}})
out['metrics'] = s3.get_bucket_metrics_configuration(Bucket=bucket, Id='docs')['MetricsConfiguration']
out['metrics_list'] = [c['Id'] for c in s3.list_bucket_metrics_configurations(Bucket=bucket)['MetricsConfigurationList']]
out['metrics_tag'] = code(lambda: s3.put_bucket_metrics_configuration(Bucket=bucket, Id='t',
    MetricsConfiguration={'Id': 't', 'Filter': {'Tag': {'Key': 'k', 'Value': 'v'}}}))
s3.delete_bucket_metrics_configuration(Bucket=bucket, Id='docs')
out['metrics_after_delete'] = code(lambda: s3.get_bucket_metrics_configuration(Bucket=bucket, Id='docs'))
print(json.dumps(out))
`;

describe(
  'inventory and metrics configurations with boto3',
  { skip: hasBoto3 ? false : 'python3 with boto3 is not installed' },
  () => {
    let t: TestZonal;
    before(async () => {
      t = await startTestZonal();
    });
    after(() => t.close());

    test('round trips and validation errors', async () => {
      const bucket = bucketName();
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
      const out = await runBoto3Script(BOTO3_SCRIPT, [
        String(t.zonal.port),
        ROOT_KEY.accessKeyId,
        ROOT_KEY.secretAccessKey,
        bucket,
      ]);
      assert.deepEqual(out.inventory, {
        Destination: {
          S3BucketDestination: { Bucket: `arn:aws:s3:::${bucket}`, Format: 'CSV', Prefix: 'inv' },
        },
        IsEnabled: false,
        Id: 'weekly',
        IncludedObjectVersions: 'Current',
        OptionalFields: ['Size', 'LastModifiedDate'],
        Schedule: { Frequency: 'Weekly' },
      });
      assert.deepEqual(out.inventory_list, ['weekly']);
      assert.deepEqual(out.inventory_bad_field, ['MalformedXML', 400]);
      assert.deepEqual(out.inventory_after_delete, ['NoSuchConfiguration', 404]);
      assert.deepEqual(out.metrics, { Id: 'docs', Filter: { Prefix: 'docs/' } });
      assert.deepEqual(out.metrics_list, ['docs']);
      assert.deepEqual(out.metrics_tag, ['InvalidRequest', 400]);
      assert.deepEqual(out.metrics_after_delete, ['NoSuchConfiguration', 404]);
    });
  },
);
