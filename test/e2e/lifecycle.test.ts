import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { eligibleAt } from '../../src/operations/lifecycle-runner.js';
import { zonalBin } from '../helpers/cli-server.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';
import { runLifecycle, setClockOffset } from '../helpers/zonal-admin.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import { hasBoto3, runBoto3Script } from '../helpers/boto3-script.js';

const DAY_MS = 86_400_000;

function zonal(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [zonalBin, ...args],
      { env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('lifecycle configuration', { timeout: 120_000 }, () => {
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
  const putRules = (Bucket: string, Rules: LifecycleRule[]) =>
    control.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));

  test('Put, Get and Delete round trip; 404 NoSuchLifecycleConfiguration without one', async () => {
    const bucket = await newBucket();
    await expectS3Error(
      control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })),
      'NoSuchLifecycleConfiguration',
      404,
    );
    const rules: LifecycleRule[] = [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 7 } },
      {
        ID: 'mid-size',
        Status: 'Disabled',
        Filter: { And: { Prefix: 'tmp/', ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 1000 } },
        Expiration: { Days: 1 },
      },
      { ID: 'small', Status: 'Enabled', Filter: { ObjectSizeLessThan: 5 }, Expiration: { Days: 30 } },
      {
        ID: 'uploads',
        Status: 'Enabled',
        Filter: {},
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
      },
    ];
    await putRules(bucket, rules);
    const got = await control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    assert.deepEqual(got.Rules, rules);
    // A rule without an ID gets one.
    await putRules(bucket, [{ Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }]);
    const again = await control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    assert.equal(again.Rules?.length, 1);
    assert.ok((again.Rules![0]!.ID ?? '').length > 0);
    await control.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    await expectS3Error(
      control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })),
      'NoSuchLifecycleConfiguration',
      404,
    );
    // Deleting again is still 204.
    await control.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    await expectS3Error(
      control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'nope--use1-az4--x-s3' })),
      'NoSuchBucket',
      404,
    );
  });

  test('what directory buckets do not support is refused', async () => {
    const bucket = await newBucket();
    const base = { ID: 'r', Status: 'Enabled' as const, Filter: { Prefix: 'a/' } };
    const cases: Array<[string, LifecycleRule[], string, number]> = [
      [
        'a transition',
        [{ ...base, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] }],
        'InvalidRequest',
        400,
      ],
      [
        'a tag filter',
        [{ ...base, Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { Days: 1 } }],
        'InvalidRequest',
        400,
      ],
      [
        'tags in And',
        [
          {
            ...base,
            Filter: { And: { Prefix: 'a', Tags: [{ Key: 'k', Value: 'v' }] } },
            Expiration: { Days: 1 },
          },
        ],
        'InvalidRequest',
        400,
      ],
      [
        'an Expiration Date',
        [{ ...base, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } }],
        'InvalidRequest',
        400,
      ],
      [
        'ExpiredObjectDeleteMarker',
        [{ ...base, Expiration: { ExpiredObjectDeleteMarker: true } }],
        'InvalidRequest',
        400,
      ],
      [
        'noncurrent expiration',
        [{ ...base, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }],
        'InvalidRequest',
        400,
      ],
      ['no action', [{ ...base }], 'InvalidRequest', 400],
      ['zero days', [{ ...base, Expiration: { Days: 0 } }], 'InvalidArgument', 400],
      [
        'zero DaysAfterInitiation',
        [{ ...base, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 0 } }],
        'InvalidArgument',
        400,
      ],
      [
        'abort with a size filter',
        [
          {
            ...base,
            Filter: { ObjectSizeGreaterThan: 5 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
        'InvalidRequest',
        400,
      ],
      [
        'a size range that is empty',
        [
          {
            ...base,
            Filter: { And: { ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 10 } },
            Expiration: { Days: 1 },
          },
        ],
        'InvalidArgument',
        400,
      ],
      [
        'duplicate IDs',
        [
          { ...base, Expiration: { Days: 1 } },
          { ...base, Expiration: { Days: 2 } },
        ],
        'InvalidArgument',
        400,
      ],
      [
        'an ID over 255 characters',
        [{ ...base, ID: 'x'.repeat(256), Expiration: { Days: 1 } }],
        'InvalidArgument',
        400,
      ],
      [
        'two filter elements',
        [{ ...base, Filter: { Prefix: 'a', ObjectSizeGreaterThan: 1 }, Expiration: { Days: 1 } }],
        'MalformedXML',
        400,
      ],
    ];
    for (const [what, rules, code, status] of cases) {
      const e = await expectS3Error(putRules(bucket, rules), code, status).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
      assert.ok(e, what);
    }
    await expectS3Error(
      control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })),
      'NoSuchLifecycleConfiguration',
      404,
    );
  });

  test('raw XML: no rules, a rule without Status, more than 1,000 rules → MalformedXML; expected owner → 501', async () => {
    const bucket = await newBucket();
    const rule = (i: number) =>
      `<Rule><ID>r${i}</ID><Filter><Prefix>p${i}/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`;
    const bodies = [
      '<LifecycleConfiguration></LifecycleConfiguration>',
      '<LifecycleConfiguration><Rule><ID>a</ID><Filter/><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>',
      `<LifecycleConfiguration>${Array.from({ length: 1001 }, (_, i) => rule(i)).join('')}</LifecycleConfiguration>`,
      '<LifecycleConfiguration><Rule><ID>a</ID><Prefix>x</Prefix><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>',
    ];
    for (const body of bodies) {
      const req = await signRequest(
        t.zonal.port,
        { method: 'PUT', path: `/${bucket}`, query: { lifecycle: '' }, body },
        { credentials: ROOT_KEY },
      );
      const res = await send(req, t.zonal.port);
      assert.equal(res.status, 400, body.slice(0, 200));
      assert.equal(res.code, 'MalformedXML');
    }
    const legacy = await signRequest(
      t.zonal.port,
      {
        method: 'PUT',
        path: `/${bucket}`,
        query: { lifecycle: '' },
        body: '<LifecycleConfiguration><Rule><ID>old</ID><Prefix>x/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>',
      },
      { credentials: ROOT_KEY },
    );
    assert.equal((await send(legacy, t.zonal.port)).status, 200);
    const got = await control.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    assert.deepEqual(got.Rules, [{ ID: 'old', Prefix: 'x/', Status: 'Enabled', Expiration: { Days: 3 } }]);
    await expectS3Error(
      control.send(
        new GetBucketLifecycleConfigurationCommand({ Bucket: bucket, ExpectedBucketOwner: '123456789012' }),
      ),
      'NotImplemented',
      501,
    );
  });

  test('a rule expires exactly the objects it selects, at the next midnight UTC after creation + Days', async () => {
    const bucket = await newBucket();
    // IAM-signed: a session would expire on the test clock moved below.
    const s3 = control;
    const sizes: Record<string, number> = {
      'logs/small': 10,
      'logs/mid': 100,
      'logs/deep/mid': 200,
      'logs/big': 1000,
      'other/mid': 100,
    };
    for (const [key, size] of Object.entries(sizes)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size, 1) }));
    }
    await putRules(bucket, [
      {
        ID: 'mid-logs',
        Status: 'Enabled',
        Filter: { And: { Prefix: 'logs/', ObjectSizeGreaterThan: 50, ObjectSizeLessThan: 500 } },
        Expiration: { Days: 2 },
      },
      { ID: 'disabled', Status: 'Disabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
    ]);
    const created = (await control.send(new HeadObjectCommand({ Bucket: bucket, Key: 'logs/mid' })))
      .LastModified!;
    const due = eligibleAt(created, 2);
    assert.equal(due % DAY_MS, 0, 'due at a midnight UTC');
    assert.ok(due > created.getTime() + 2 * DAY_MS - 1000 && due <= created.getTime() + 3 * DAY_MS);
    const keys = async () =>
      ((await control.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [])
        .map((o) => o.Key)
        .sort();

    // A minute before it is due: nothing goes.
    await setClockOffset(t.zonal.port, Math.floor((due - Date.now()) / 1000) - 60);
    let report = await runLifecycle(t.zonal.port);
    assert.equal(report.expiredObjects, 0);
    assert.deepEqual(await keys(), Object.keys(sizes).sort());

    // A minute after: exactly the mid-sized logs.
    await setClockOffset(t.zonal.port, Math.ceil((due - Date.now()) / 1000) + 60);
    report = await runLifecycle(t.zonal.port);
    assert.equal(report.expiredObjects, 2);
    assert.deepEqual(await keys(), ['logs/big', 'logs/small', 'other/mid']);

    // A new object under the rule is not due until its own time.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/new', Body: Buffer.alloc(100) }));
    assert.equal((await runLifecycle(t.zonal.port)).expiredObjects, 0);
    await setClockOffset(t.zonal.port, Math.ceil((due - Date.now()) / 1000) + 4 * 86400);
    assert.equal((await runLifecycle(t.zonal.port)).expiredObjects, 1);
    assert.deepEqual(await keys(), ['logs/big', 'logs/small', 'other/mid']);

    const metrics = await (await fetch(`${t.ipEndpoint}/metrics`)).text();
    assert.match(metrics, /^zonal_lifecycle_expired_objects_total 3$/m);
    await setClockOffset(t.zonal.port, 0);
  });

  test('an incomplete upload is aborted after DaysAfterInitiation, only under the prefix', async () => {
    const bucket = await newBucket();
    await putRules(bucket, [
      {
        ID: 'abort',
        Status: 'Enabled',
        Filter: { Prefix: 'incoming/' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    const inside = await control.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'incoming/big' }),
    );
    await control.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'kept/big' }));
    assert.equal((await runLifecycle(t.zonal.port)).abortedUploads, 0);
    await setClockOffset(t.zonal.port, 2 * 86400);
    const report = await runLifecycle(t.zonal.port);
    assert.equal(report.abortedUploads, 1);
    const uploads = await control.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    assert.deepEqual(
      uploads.Uploads?.map((u) => u.Key),
      ['kept/big'],
    );
    assert.ok(!uploads.Uploads?.some((u) => u.UploadId === inside.UploadId));
    await setClockOffset(t.zonal.port, 0);
  });

  test('zonal lifecycle list and run', async () => {
    const bucket = await newBucket();
    await putRules(bucket, [
      { ID: 'cli', Status: 'Enabled', Filter: { Prefix: 'c/' }, Expiration: { Days: 5 } },
    ]);
    const env = {
      ZONAL_ENDPOINT: t.ipEndpoint,
      ZONAL_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    };
    const listed = await zonal(['lifecycle', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(
      listed.stdout.split('\n').includes(`${bucket} cli Enabled prefix="c/" expire-after-days=5`),
      listed.stdout,
    );
    const ran = await zonal(['lifecycle', 'run'], env);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /buckets with lifecycle rules: 0 objects expired, 0 uploads aborted/);
    const refused = await zonal(['lifecycle', 'run'], { ...env, ZONAL_SECRET_ACCESS_KEY: 'wrong'.repeat(8) });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /SignatureDoesNotMatch/);
  });
});

const BOTO3_SCRIPT = String.raw`
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
port, key, secret, bucket = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:' + port, region_name='us-east-1',
    aws_access_key_id=key, aws_secret_access_key=secret, config=Config(s3={'addressing_style': 'path'}))
out = {}
s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={'Rules': [
    {'ID': 'tmp', 'Status': 'Enabled', 'Filter': {'Prefix': 'tmp/'}, 'Expiration': {'Days': 1}},
    {'ID': 'mpu', 'Status': 'Enabled', 'Filter': {'Prefix': ''}, 'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 3}}]})
out['rules'] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)['Rules']
try:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={'Rules': [
        {'ID': 't', 'Status': 'Enabled', 'Filter': {'Prefix': ''}, 'Transitions': [{'Days': 1, 'StorageClass': 'GLACIER'}]}]})
    out['transition'] = 'accepted'
except ClientError as e:
    out['transition'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
s3.delete_bucket_lifecycle(Bucket=bucket)
try:
    s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    out['after_delete'] = 'found'
except ClientError as e:
    out['after_delete'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
print(json.dumps(out))
`;

/** The expiry flow with boto3: `setup` writes rules, objects and an upload; `check` lists what is left. */
const BOTO3_EXPIRY_SCRIPT = String.raw`
import json, sys, boto3
from botocore.config import Config
phase, port, key, secret, bucket = sys.argv[1:6]
s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:' + port, region_name='us-east-1',
    aws_access_key_id=key, aws_secret_access_key=secret, config=Config(s3={'addressing_style': 'path'}))
if phase == 'setup':
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={'Rules': [
        {'ID': 'tmp', 'Status': 'Enabled', 'Filter': {'Prefix': 'tmp/'}, 'Expiration': {'Days': 1}},
        {'ID': 'mpu', 'Status': 'Enabled', 'Filter': {'Prefix': 'tmp/'}, 'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 1}}]})
    for k in ['tmp/a', 'tmp/b', 'keep/c']:
        s3.put_object(Bucket=bucket, Key=k, Body=b'x')
    s3.create_multipart_upload(Bucket=bucket, Key='tmp/upload')
    s3.create_multipart_upload(Bucket=bucket, Key='keep/upload')
    print(json.dumps({}))
else:
    keys = [o['Key'] for o in s3.list_objects_v2(Bucket=bucket).get('Contents', [])]
    uploads = [u['Key'] for u in s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])]
    print(json.dumps({'keys': keys, 'uploads': uploads}))
`;

describe(
  'lifecycle configuration with boto3',
  { skip: hasBoto3 ? false : 'python3 with boto3 is not installed' },
  () => {
    let t: TestZonal;
    before(async () => {
      t = await startTestZonal();
    });
    after(() => t.close());

    test('put, get, a refused transition, delete', async () => {
      const bucket = bucketName();
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
      const out = await runBoto3Script(BOTO3_SCRIPT, [
        String(t.zonal.port),
        ROOT_KEY.accessKeyId,
        ROOT_KEY.secretAccessKey,
        bucket,
      ]);
      assert.deepEqual(out.rules, [
        { Expiration: { Days: 1 }, ID: 'tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled' },
        {
          ID: 'mpu',
          Filter: { Prefix: '' },
          Status: 'Enabled',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
        },
      ]);
      assert.deepEqual(out.transition, ['InvalidRequest', 400]);
      assert.deepEqual(out.after_delete, ['NoSuchLifecycleConfiguration', 404]);
    });
  },
);

describe(
  'lifecycle expiry with boto3, under the test clock',
  { skip: hasBoto3 ? false : 'python3 with boto3 is not installed' },
  () => {
    let t: TestZonal;
    before(async () => {
      t = await startTestZonal({ testClock: true, maintenanceIntervalSeconds: 0 });
    });
    after(() => t.close());

    const python = (phase: string, bucket: string): Promise<Record<string, unknown>> =>
      runBoto3Script(BOTO3_EXPIRY_SCRIPT, [
        phase,
        String(t.zonal.port),
        ROOT_KEY.accessKeyId,
        ROOT_KEY.secretAccessKey,
        bucket,
      ]);

    test('rules written with boto3 expire exactly their objects and abort their uploads', async () => {
      const bucket = bucketName();
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
      await python('setup', bucket);
      // Not yet due: a pass now changes nothing.
      assert.equal((await runLifecycle(t.zonal.port)).expiredObjects, 0);
      assert.deepEqual((await python('check', bucket)).keys, ['keep/c', 'tmp/a', 'tmp/b']);
      // Two days on, past the next midnight after creation + 1 day.
      await setClockOffset(t.zonal.port, 2 * 86400 + 3600);
      const report = await runLifecycle(t.zonal.port);
      assert.equal(report.expiredObjects, 2);
      assert.equal(report.abortedUploads, 1);
      const left = await python('check', bucket);
      assert.deepEqual(left.keys, ['keep/c']);
      assert.deepEqual(left.uploads, ['keep/upload']);
    });
  },
);

describe('lifecycle on its schedule', { timeout: 60_000 }, () => {
  let t: TestZonal;
  before(async () => {
    t = await startTestZonal({ testClock: true, maintenanceIntervalSeconds: 1 });
  });
  after(() => t.close());

  test('the server applies the rules every --maintenance-interval seconds', async () => {
    const control = t.controlClient();
    const bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    await control.send(new PutObjectCommand({ Bucket: bucket, Key: 'old', Body: 'x' }));
    await control.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [{ ID: 'all', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }],
        },
      }),
    );
    await setClockOffset(t.zonal.port, 3 * 86400);
    const deadline = Date.now() + 10_000;
    let keys: (string | undefined)[] = ['old'];
    while (keys.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      keys = ((await control.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(
        (o) => o.Key,
      );
    }
    assert.deepEqual(keys, []);
    assert.equal(t.zonal.stats.lifecycleExpiredObjects, 1);
  });
});
