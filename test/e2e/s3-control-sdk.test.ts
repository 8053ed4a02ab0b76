/**
 * The access point and tag operations with the unmodified @aws-sdk/client-s3-control (a dev
 * dependency: a missing package fails the suite rather than skipping it).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  localhostLookup,
  ROOT_KEY,
  startTestZonal,
  TEST_REGION,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

type Output = Record<string, unknown>;
interface ControlClient {
  send(command: object): Promise<Output>;
  destroy(): void;
}
type Commands = Record<string, new (input: object) => object> & {
  S3ControlClient: new (config: object) => ControlClient;
};

const sdk = (await import('@aws-sdk/client-s3-control')) as unknown as Commands;
const ACCOUNT = '111111111111';

describe('@aws-sdk/client-s3-control: access points and tags', () => {
  let t: TestZonal;
  let s3control: ControlClient;
  let bucket: string;
  const zone = 'use1-az4';
  const command = (name: string, input: object): object => new sdk[`${name}Command`]!(input);
  const call = (name: string, input: object): Promise<Output> =>
    s3control.send(command(name, { AccountId: ACCOUNT, ...input }));

  before(async () => {
    t = await startTestZonal({}, { accountId: ACCOUNT });
    // The SDK prefixes the host with `{AccountId}.`; against an IP endpoint it must not.
    s3control = new sdk.S3ControlClient({
      endpoint: t.ipEndpoint,
      region: TEST_REGION,
      credentials: ROOT_KEY,
      disableHostPrefix: true,
      maxAttempts: 1,
    });
    bucket = bucketName(zone);
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(async () => {
    s3control?.destroy();
    await t?.close();
  });

  test('round trips of every operation', async () => {
    const name = `sdk${process.pid}--${zone}--xa-s3`;
    const arn = `arn:aws:s3express:${TEST_REGION}:${ACCOUNT}:accesspoint/${name}`;
    const created = await call('CreateAccessPoint', {
      Name: name,
      Bucket: bucket,
      Scope: { Prefixes: ['data/'], Permissions: ['GetObject', 'PutObject'] },
      Tags: [{ Key: 'team', Value: 'data' }],
    });
    assert.equal(created.AccessPointArn, arn);
    const got = await call('GetAccessPoint', { Name: name });
    assert.equal(got.Bucket, bucket);
    assert.equal(got.NetworkOrigin, 'Internet');
    assert.ok(got.CreationDate instanceof Date);

    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('ListAccessPointsForDirectoryBuckets', {
        DirectoryBucket: bucket,
        MaxResults: 1,
        ...(token ? { NextToken: token } : {}),
      });
      for (const ap of (page.AccessPointList as { Name: string }[] | undefined) ?? []) names.push(ap.Name);
      token = page.NextToken as string | undefined;
    } while (token);
    assert.deepEqual(names, [name]);

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 's3express:CreateSession',
          Resource: arn,
        },
      ],
    });
    await call('PutAccessPointPolicy', { Name: name, Policy: policy });
    assert.deepEqual(
      JSON.parse((await call('GetAccessPointPolicy', { Name: name })).Policy as string),
      JSON.parse(policy),
    );
    await call('DeleteAccessPointPolicy', { Name: name });
    await expectS3Error(call('GetAccessPointPolicy', { Name: name }), 'NoSuchAccessPointPolicy', 404);

    assert.deepEqual((await call('GetAccessPointScope', { Name: name })).Scope, {
      Prefixes: ['data/'],
      Permissions: ['GetObject', 'PutObject'],
    });
    await call('PutAccessPointScope', { Name: name, Scope: { Prefixes: ['other/'] } });
    assert.deepEqual((await call('GetAccessPointScope', { Name: name })).Scope, { Prefixes: ['other/'] });
    await call('DeleteAccessPointScope', { Name: name });

    await call('TagResource', { ResourceArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] });
    await call('UntagResource', { ResourceArn: arn, TagKeys: ['team'] });
    assert.deepEqual((await call('ListTagsForResource', { ResourceArn: arn })).Tags, [
      { Key: 'env', Value: 'prod' },
    ]);
    const bucketArn = `arn:aws:s3express:${TEST_REGION}:${ACCOUNT}:bucket/${bucket}`;
    await call('TagResource', {
      ResourceArn: bucketArn,
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });
    await call('UntagResource', { ResourceArn: bucketArn, TagKeys: ['a', 'b'] });
    assert.deepEqual((await call('ListTagsForResource', { ResourceArn: bucketArn })).Tags ?? [], []);

    await call('DeleteAccessPoint', { Name: name });
    await expectS3Error(call('GetAccessPoint', { Name: name }), 'NoSuchAccessPoint', 404);
  });

  test('the default host prefix ({AccountId}.) works where the name resolves', async () => {
    const prefixed = new sdk.S3ControlClient({
      endpoint: t.localhostEndpoint,
      region: TEST_REGION,
      credentials: ROOT_KEY,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup: localhostLookup }) }),
    });
    try {
      const page = await prefixed.send(
        command('ListAccessPointsForDirectoryBuckets', { AccountId: ACCOUNT, DirectoryBucket: bucket }),
      );
      assert.ok(Array.isArray(page.AccessPointList ?? []));
    } finally {
      prefixed.destroy();
    }
  });

  test("AWS's validation errors", async () => {
    await expectS3Error(
      call('CreateAccessPoint', { Name: `z${process.pid}--usw2-az1--xa-s3`, Bucket: bucket }),
      'InvalidRequest',
      400,
    );
    await expectS3Error(
      call('CreateAccessPoint', { Name: `m${process.pid}--${zone}--xa-s3`, Bucket: bucketName(zone) }),
      'NoSuchBucket',
      404,
    );
    const name = `v${process.pid}--${zone}--xa-s3`;
    await call('CreateAccessPoint', { Name: name, Bucket: bucket });
    await expectS3Error(
      call('CreateAccessPoint', { Name: name, Bucket: bucket }),
      'AccessPointAlreadyOwnedByYou',
      409,
    );
    await expectS3Error(
      call('PutAccessPointPolicy', {
        Name: name,
        Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}',
      }),
      'MalformedPolicy',
      400,
    );
    await expectS3Error(
      call('TagResource', {
        ResourceArn: `arn:aws:s3express:${TEST_REGION}:${ACCOUNT}:accesspoint/${name}`,
        Tags: [{ Key: 'aws:reserved', Value: 'x' }],
      }),
      'InvalidTag',
      400,
    );
  });

  test('an object through an access point made with the SDK, within its scope only', async () => {
    const name = `d${process.pid}--${zone}--xa-s3`;
    await call('CreateAccessPoint', { Name: name, Bucket: bucket, Scope: { Prefixes: ['open/'] } });
    const data = t.client();
    await data.send(new PutObjectCommand({ Bucket: name, Key: 'open/x', Body: 'x' }));
    const got = await data.send(new GetObjectCommand({ Bucket: bucket, Key: 'open/x' }));
    assert.equal(await got.Body!.transformToString(), 'x');
    await expectS3Error(
      data.send(new PutObjectCommand({ Bucket: name, Key: 'closed/x', Body: 'x' })),
      'AccessDenied',
      403,
    );
  });
});
