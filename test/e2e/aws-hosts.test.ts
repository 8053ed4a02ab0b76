/**
 * `--aws-hosts`: unchanged production code — no endpoint option, the SDK's own endpoint rules,
 * HTTPS on port 443 — against Zonal, once the AWS names reach it and its CA is trusted. The JS
 * SDK in this process (installAwsHosts) and in a child process (`--import zonal/aws-hosts`),
 * and boto3 (the sitecustomize.py Zonal writes, AWS_CA_BUNDLE).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListDirectoryBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startZonal, type ZonalTestServer } from '../../src/index.js';
import { awsHostCertificateNames, isAwsHost, zoneIdPrefix } from '../../src/util/aws-host-names.js';
import { repoRoot, zonalBin } from '../helpers/cli-server.js';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';

describe('AWS host names', () => {
  test('which names are redirected, and the zone ids of a region', () => {
    for (const name of [
      's3express-control.us-east-1.amazonaws.com',
      'b--use1-az4--x-s3.s3express-use1-az4.us-east-1.amazonaws.com',
      'S3EXPRESS-USE1-AZ4.US-EAST-1.AMAZONAWS.COM',
      'iam.amazonaws.com',
      'sts.amazonaws.com',
      'sts.eu-west-1.amazonaws.com',
    ])
      assert.ok(isAwsHost(name), name);
    for (const name of [
      's3.amazonaws.com',
      'example.com',
      'amazonaws.com.evil.test',
      'ec2.us-east-1.amazonaws.com',
    ])
      assert.ok(!isAwsHost(name), name);
    assert.deepEqual(
      ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2', 'us-gov-west-1'].map(
        zoneIdPrefix,
      ),
      ['use1', 'usw2', 'euc1', 'apne1', 'apse2', 'usgw1'],
    );
    assert.ok(awsHostCertificateNames('us-east-1').includes('*.s3express-use1-az4.us-east-1.amazonaws.com'));
  });
});

describe('the JS SDK with no endpoint, in this process', { timeout: 60_000 }, () => {
  let zonal: ZonalTestServer;
  let undo: () => void;
  before(async () => {
    zonal = await startZonal({ ephemeral: true, awsHosts: true, credentials: ROOT_KEY });
    undo = zonal.awsHosts!.install();
  });
  after(async () => {
    undo();
    await zonal.stop();
  });

  test('CreateBucket, sessions, objects, listings and STS go to Zonal under the AWS names', async () => {
    const s3 = new S3Client({ region: 'us-east-1', credentials: ROOT_KEY }); // production code: no endpoint
    const sts = new STSClient({ region: 'us-east-1', credentials: ROOT_KEY });
    try {
      const Bucket = bucketName();
      await s3.send(new CreateBucketCommand(createBucketInput(Bucket)));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'a/b.txt', Body: 'via the AWS names' }));
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' }));
      assert.equal(await got.Body!.transformToString(), 'via the AWS names');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
      assert.deepEqual(
        listed.Contents?.map((c) => c.Key),
        ['a/b.txt'],
      );
      const buckets = await s3.send(new ListDirectoryBucketsCommand({}));
      assert.ok(buckets.Buckets?.some((b) => b.Name === Bucket));
      const caller = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(caller.Account, zonal.accountId);
      // The SDK's own S3 Express session flow was used (one CreateSession, session-signed objects).
      const entries = zonal.zonal.journal.entries({ bucket: Bucket });
      assert.deepEqual(
        entries.map((e) => [e.op, e.auth]),
        [
          ['CreateBucket', 'IAM'],
          ['CreateSession', 'IAM'],
          ['PutObject', 'SessionReadWrite'],
          ['GetObject', 'SessionReadWrite'],
          ['ListObjectsV2', 'SessionReadWrite'],
        ],
      );
    } finally {
      s3.destroy();
      sts.destroy();
    }
  });

  test('the hook leaves other hosts alone, and checks the certificate against the AWS name', async () => {
    // An agent that does not trust Zonal's CA sees Zonal's certificate refused only when the
    // hook is off: with it, the CA is supplied for the redirected connection.
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get('https://s3express-control.us-east-1.amazonaws.com/', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    assert.equal(status, 403, 'Zonal answered (AccessDenied for an unsigned request)');
    // A name the certificate does not cover is refused by TLS: the check is real.
    await assert.rejects(
      new Promise((resolve, reject) => {
        https.get('https://s3express-use1-az4.eu-west-1.amazonaws.com/', resolve).on('error', reject);
      }),
      /altnames|Hostname\/IP does not match/,
    );
  });
});

interface Ready {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  awsHosts: { caFile: string; pythonPath: string; target: string; env: Record<string, string> };
}

/** Runs a program to its end; resolves with its exit code and output. */
function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(command, args, { env, cwd: repoRoot });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => resolve({ code, out }));
    if (input !== undefined) child.stdin.end(input);
  });
}

describe('zonal serve --ephemeral --aws-hosts with unchanged programs', { timeout: 120_000 }, () => {
  let server: ReturnType<typeof spawn>;
  let ready: Ready;
  before(async () => {
    server = spawn(process.execPath, [zonalBin, 'serve', '--ephemeral', '--aws-hosts'], {
      env: { PATH: process.env.PATH },
    });
    ready = await new Promise<Ready>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const newline = out.indexOf('\n');
        if (newline !== -1) resolve(JSON.parse(out.slice(0, newline)) as Ready);
      });
      server.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
  });
  after(async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });

  const env = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: ready.awsHosts.pythonPath, // no ~/.aws of the machine's user
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ready.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ready.secretAccessKey,
    ...ready.awsHosts.env,
  });

  test('the ready line says how to reach it; the CA and the Python hook are in the data dir', () => {
    assert.match(ready.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(fs.existsSync(ready.awsHosts.caFile));
    assert.ok(fs.existsSync(`${ready.awsHosts.pythonPath}/sitecustomize.py`));
    assert.equal(ready.awsHosts.env.AWS_CA_BUNDLE, ready.awsHosts.caFile);
  });

  test('a Node program run with --import zonal/aws-hosts', async () => {
    const Bucket = bucketName();
    const program = `
      import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
      const s3 = new S3Client({});
      await s3.send(new CreateBucketCommand(${JSON.stringify(createBucketInput(Bucket))}));
      await s3.send(new PutObjectCommand({ Bucket: '${Bucket}', Key: 'node', Body: 'from node' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: '${Bucket}', Key: 'node' }));
      console.log('GOT', await got.Body.transformToString());
      s3.destroy();`;
    const result = await runToEnd(
      process.execPath,
      ['--import', 'zonal/aws-hosts', '--input-type=module', '-e', program],
      env(),
    );
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /GOT from node/);
  });

  // Not STS from boto3: botocore signs Query API requests without x-amz-content-sha256, which
  // Zonal's IAM/STS front end still requires (docs/COMPATIBILITY.md).
  test('boto3 with sitecustomize.py and AWS_CA_BUNDLE', async () => {
    const Bucket = bucketName();
    const program = `
import boto3
s3 = boto3.client("s3")
s3.create_bucket(Bucket="${Bucket}", CreateBucketConfiguration={
    "Location": {"Type": "AvailabilityZone", "Name": "use1-az4"},
    "Bucket": {"Type": "Directory", "DataRedundancy": "SingleAvailabilityZone"}})
s3.put_object(Bucket="${Bucket}", Key="py", Body=b"from boto3")
print("GOT", s3.get_object(Bucket="${Bucket}", Key="py")["Body"].read().decode())
print("KEYS", [o["Key"] for o in s3.list_objects_v2(Bucket="${Bucket}")["Contents"]])
print("BUCKETS", "${Bucket}" in [b["Name"] for b in s3.list_directory_buckets()["Buckets"]])
`;
    const result = await runToEnd('python3', ['-'], env(), program);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /GOT from boto3/);
    assert.match(result.out, /KEYS \['py'\]/);
    assert.match(result.out, /BUCKETS True/);
  });
});
