/**
 * Access points for directory buckets and resource tags through the S3 Control API (signed
 * requests as the SDKs send them), and their data path with the unmodified @aws-sdk/client-s3:
 * an access point name in place of the bucket, its scope and policy, sessions bound to it,
 * and tag conditions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  CreateSessionCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  RenameObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { zonalBin } from '../helpers/cli-server.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import { control, controlXml, elements } from '../helpers/s3-control.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const A = '111111111111';
const B = '222222222222';
const B_ROOT = {
  accessKeyId: 'AKIAROOTOFACCOUNTBXX',
  secretAccessKey: 'secret-of-the-root-of-account-b-0000000',
};
const REGION = 'us-east-1';

function user(name: string, policies: Record<string, unknown> = {}) {
  return {
    name,
    accessKeys: [{ accessKeyId: keyOf(name), secretAccessKey: secretOf(name) }],
    policies,
  };
}
function keyOf(name: string): string {
  return ('AKIA' + name.toUpperCase().replace(/[^A-Z0-9]/g, '') + 'X'.repeat(16)).slice(0, 20);
}
function secretOf(name: string): string {
  return `secret-of-${name}-0000000000000000000000`.slice(0, 40);
}
const credsOf = (name: string) => ({ accessKeyId: keyOf(name), secretAccessKey: secretOf(name) });
const allow = (action: string | string[], extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*', ...extra }],
});

const apArn = (name: string) => `arn:aws:s3express:${REGION}:${A}:accesspoint/${name}`;
const bucketArnOf = (name: string) => `arn:aws:s3express:${REGION}:${A}:bucket/${name}`;
/** The tagging path of an ARN as the SDKs send it: `:` encoded, `/` not. */
const tagsPath = (arn: string) => `tags/${arn.replaceAll(':', '%3A')}`;

let apCounter = 0;
function apName(zone = 'use1-az4'): string {
  apCounter += 1;
  return `ap${process.pid}-${apCounter}--${zone}--xa-s3`;
}

describe('S3 Control: access points and tags for directory buckets', () => {
  let t: TestZonal;
  let port: number;
  let bucket: string;
  const root = (call: Omit<Parameters<typeof control>[1], 'credentials' | 'accountId'>) =>
    control(port, { accountId: A, credentials: ROOT_KEY, ...call });
  const createAp = (name: string, inner = '') =>
    root({
      method: 'PUT',
      path: `accesspoint/${name}`,
      body: controlXml('CreateAccessPointRequest', `<Bucket>${bucket}</Bucket>${inner}`),
    });

  before(async () => {
    t = await startTestZonal(
      {},
      {
        accountId: A,
        identities: {
          accounts: [
            {
              id: A,
              users: [
                user('everything', { all: allow('s3express:*') }),
                user('nobody'),
                user('abac', {
                  tagged: allow('s3express:CreateSession', {
                    Condition: { StringEquals: { 'aws:ResourceTag/team': 'data' } },
                  }),
                }),
                user('apdenied', { all: allow('s3express:*') }),
              ],
            },
            { id: B, rootAccessKeys: [B_ROOT], users: [] },
          ],
        },
      },
    );
    port = t.zonal.port;
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(async () => {
    await t.close();
  });

  test('CreateAccessPoint, GetAccessPoint, ListAccessPointsForDirectoryBuckets, DeleteAccessPoint', async () => {
    const first = apName();
    const second = apName();
    const created = await createAp(first, '<Tags><Tag><Key>team</Key><Value>data</Value></Tag></Tags>');
    assert.equal(created.status, 200, created.body);
    assert.deepEqual(elements(created.body, 'AccessPointArn'), [apArn(first)]);
    assert.equal((await createAp(second)).status, 200);

    const got = await root({ method: 'GET', path: `accesspoint/${first}` });
    assert.equal(got.status, 200, got.body);
    assert.deepEqual(elements(got.body, 'Bucket'), [bucket]);
    assert.deepEqual(elements(got.body, 'NetworkOrigin'), ['Internet']);
    assert.deepEqual(elements(got.body, 'BucketAccountId'), [A]);

    const listed = await root({
      method: 'GET',
      path: 'accesspointfordirectory',
      query: { directoryBucket: bucket, maxResults: '1' },
    });
    assert.equal(listed.status, 200, listed.body);
    assert.deepEqual(elements(listed.body, 'Name'), [first]);
    const [token] = elements(listed.body, 'NextToken');
    assert.ok(token);
    const rest = await root({
      method: 'GET',
      path: 'accesspointfordirectory',
      query: { directoryBucket: bucket, nextToken: token },
    });
    assert.deepEqual(elements(rest.body, 'Name'), [second]);
    assert.deepEqual(elements(rest.body, 'NextToken'), []);

    assert.equal((await root({ method: 'DELETE', path: `accesspoint/${second}` })).status, 204);
    const gone = await root({ method: 'GET', path: `accesspoint/${second}` });
    assert.equal(gone.status, 404);
    assert.equal(gone.code, 'NoSuchAccessPoint');
    assert.equal((await root({ method: 'DELETE', path: `accesspoint/${second}` })).code, 'NoSuchAccessPoint');
  });

  test('policy and scope round trips', async () => {
    const name = apName();
    assert.equal((await createAp(name)).status, 200);
    const noPolicy = await root({ method: 'GET', path: `accesspoint/${name}/policy` });
    assert.equal(noPolicy.status, 404);
    assert.equal(noPolicy.code, 'NoSuchAccessPointPolicy');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:root` },
          Action: 's3express:CreateSession',
          Resource: apArn(name),
        },
      ],
    });
    const put = await root({
      method: 'PUT',
      path: `accesspoint/${name}/policy`,
      body: controlXml('PutAccessPointPolicyRequest', `<Policy>${policy.replaceAll('"', '&quot;')}</Policy>`),
    });
    assert.equal(put.status, 204, put.body);
    const got = await root({ method: 'GET', path: `accesspoint/${name}/policy` });
    assert.equal(got.status, 200);
    assert.deepEqual(
      elements(got.body, 'Policy').map((p) => JSON.parse(p.replaceAll('&quot;', '"'))),
      [JSON.parse(policy)],
    );
    assert.equal((await root({ method: 'DELETE', path: `accesspoint/${name}/policy` })).status, 204);
    assert.equal((await root({ method: 'GET', path: `accesspoint/${name}/policy` })).status, 404);

    const empty = await root({ method: 'GET', path: `accesspoint/${name}/scope` });
    assert.equal(empty.status, 200);
    assert.deepEqual(elements(empty.body, 'Prefix'), []);
    const scope =
      '<Scope><Prefixes><Prefix>a/</Prefix><Prefix>b/*</Prefix></Prefixes>' +
      '<Permissions><Permission>GetObject</Permission></Permissions></Scope>';
    const putScope = await root({
      method: 'PUT',
      path: `accesspoint/${name}/scope`,
      body: controlXml('PutAccessPointScopeRequest', scope),
    });
    assert.equal(putScope.status, 204, putScope.body);
    const gotScope = await root({ method: 'GET', path: `accesspoint/${name}/scope` });
    assert.deepEqual(elements(gotScope.body, 'Prefix'), ['a/', 'b/*']);
    assert.deepEqual(elements(gotScope.body, 'Permission'), ['GetObject']);
    assert.equal((await root({ method: 'DELETE', path: `accesspoint/${name}/scope` })).status, 204);
    const cleared = await root({ method: 'GET', path: `accesspoint/${name}/scope` });
    assert.deepEqual(elements(cleared.body, 'Permission'), []);
  });

  test("AWS's validation errors", async () => {
    const cases: Array<
      [string, Promise<{ status: number; code?: string | undefined; body: string }>, number, string]
    > = [
      ['name without --xa-s3', createAp('plain-name'), 400, 'InvalidRequest'],
      ['zone of another bucket', createAp(apName('usw2-az1')), 400, 'InvalidRequest'],
      [
        'missing bucket',
        root({
          method: 'PUT',
          path: `accesspoint/${apName()}`,
          body: controlXml('CreateAccessPointRequest', `<Bucket>${bucketName()}</Bucket>`),
        }),
        404,
        'NoSuchBucket',
      ],
      [
        'unknown scope permission',
        createAp(apName(), '<Scope><Permissions><Permission>RenameObject</Permission></Permissions></Scope>'),
        400,
        'InvalidArgument',
      ],
      [
        'a reserved tag key',
        createAp(apName(), '<Tags><Tag><Key>aws:x</Key><Value>v</Value></Tag></Tags>'),
        400,
        'InvalidTag',
      ],
      [
        'a VPC network origin',
        createAp(apName(), '<VpcConfiguration><VpcId>vpc-1</VpcId></VpcConfiguration>'),
        501,
        'NotImplemented',
      ],
      [
        'malformed XML',
        root({ method: 'PUT', path: `accesspoint/${apName()}`, body: '<nope' }),
        400,
        'MalformedXML',
      ],
      [
        'no x-amz-account-id',
        control(port, { method: 'GET', path: 'accesspointfordirectory', credentials: ROOT_KEY }),
        400,
        'InvalidRequest',
      ],
      [
        'another account in x-amz-account-id',
        control(port, {
          method: 'GET',
          path: 'accesspointfordirectory',
          credentials: ROOT_KEY,
          accountId: '999999999999',
        }),
        403,
        'AccessDenied',
      ],
      [
        'a caller without permission',
        control(port, {
          method: 'GET',
          path: 'accesspointfordirectory',
          credentials: credsOf('nobody'),
          accountId: A,
        }),
        403,
        'AccessDenied',
      ],
      ['an unknown control path', root({ method: 'GET', path: 'jobs' }), 501, 'NotImplemented'],
      [
        'a general purpose bucket ARN',
        root({ method: 'GET', path: tagsPath('arn:aws:s3:::general') }),
        400,
        'InvalidRequest',
      ],
      [
        'tags of a missing bucket',
        root({ method: 'GET', path: tagsPath(bucketArnOf(bucketName())) }),
        404,
        'NoSuchBucket',
      ],
    ];
    for (const [what, promise, status, code] of cases) {
      const res = await promise;
      assert.equal(res.status, status, `${what}: ${res.body}`);
      assert.equal(res.code, code, what);
    }
    const name = apName();
    assert.equal((await createAp(name)).status, 200);
    const again = await createAp(name);
    assert.equal(again.status, 409);
    assert.equal(again.code, 'AccessPointAlreadyOwnedByYou');
    const badPolicy = await root({
      method: 'PUT',
      path: `accesspoint/${name}/policy`,
      body: controlXml(
        'PutAccessPointPolicyRequest',
        '<Policy>{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}</Policy>',
      ),
    });
    assert.equal(badPolicy.status, 400);
    assert.equal(badPolicy.code, 'MalformedPolicy');
  });

  test('an object is reachable through an access point only within its scope and policy', async () => {
    const name = apName();
    const rootData = t.client();
    await rootData.send(new PutObjectCommand({ Bucket: bucket, Key: 'shared/a.txt', Body: 'shared' }));
    await rootData.send(new PutObjectCommand({ Bucket: bucket, Key: 'private/b.txt', Body: 'private' }));
    const scope =
      '<Scope><Prefixes><Prefix>shared/</Prefix></Prefixes><Permissions><Permission>GetObject</Permission>' +
      '<Permission>ListBucket</Permission></Permissions></Scope>';
    assert.equal((await createAp(name, scope)).status, 200);

    // The unmodified SDK with the access point's name as the bucket: session auth through it.
    const viaAp = t.client({ credentials: credsOf('everything') });
    const got = await viaAp.send(new GetObjectCommand({ Bucket: name, Key: 'shared/a.txt' }));
    assert.equal(await got.Body!.transformToString(), 'shared');
    await expectS3Error(
      viaAp.send(new GetObjectCommand({ Bucket: name, Key: 'private/b.txt' })),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      viaAp.send(new PutObjectCommand({ Bucket: name, Key: 'shared/new.txt', Body: 'x' })),
      'AccessDenied',
      403,
    );
    const listed = await viaAp.send(new ListObjectsV2Command({ Bucket: name, Prefix: 'shared/' }));
    assert.deepEqual(
      listed.Contents?.map((c) => c.Key),
      ['shared/a.txt'],
    );
    await expectS3Error(viaAp.send(new ListObjectsV2Command({ Bucket: name })), 'AccessDenied', 403);
    await viaAp.send(new HeadBucketCommand({ Bucket: name }));
    // Virtual-hosted addressing too.
    const vhost = t.vhostClient({ credentials: credsOf('everything') });
    const vgot = await vhost.send(new GetObjectCommand({ Bucket: name, Key: 'shared/a.txt' }));
    assert.equal(await vgot.Body!.transformToString(), 'shared');

    // The access point policy: a Deny for one user closes the access point to them only.
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: { AWS: `arn:aws:iam::${A}:user/apdenied` },
          Action: 's3express:CreateSession',
          Resource: apArn(name),
        },
      ],
    });
    const put = await root({
      method: 'PUT',
      path: `accesspoint/${name}/policy`,
      body: controlXml('PutAccessPointPolicyRequest', `<Policy>${policy.replaceAll('"', '&quot;')}</Policy>`),
    });
    assert.equal(put.status, 204, put.body);
    const denied = t.client({ credentials: credsOf('apdenied') });
    await expectS3Error(
      denied.send(new GetObjectCommand({ Bucket: name, Key: 'shared/a.txt' })),
      'AccessDenied',
      403,
    );
    const direct = await denied.send(new GetObjectCommand({ Bucket: bucket, Key: 'private/b.txt' }));
    assert.equal(await direct.Body!.transformToString(), 'private', 'the bucket by its name is unchanged');
    // A user without any permission gets nothing through it.
    await expectS3Error(
      t
        .client({ credentials: credsOf('nobody') })
        .send(new GetObjectCommand({ Bucket: name, Key: 'shared/a.txt' })),
      'AccessDenied',
      403,
    );
  });

  test('DeleteObjects and CopyObject through an access point keep to its scope, key by key', async () => {
    const name = apName();
    const scope =
      '<Scope><Prefixes><Prefix>del/</Prefix></Prefixes><Permissions><Permission>DeleteObject</Permission>' +
      '<Permission>PutObject</Permission><Permission>GetObject</Permission></Permissions></Scope>';
    assert.equal((await createAp(name, scope)).status, 200);
    const rootData = t.client();
    for (const key of ['del/1', 'keep/2']) {
      await rootData.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }
    const viaAp = t.client({ credentials: credsOf('everything') });
    const result = await viaAp.send(
      new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: 'del/1' }, { Key: 'keep/2' }] } }),
    );
    assert.deepEqual(
      result.Deleted?.map((d) => d.Key),
      ['del/1'],
    );
    assert.deepEqual(
      result.Errors?.map((e) => [e.Key, e.Code]),
      [['keep/2', 'AccessDenied']],
    );
    await rootData.send(new HeadObjectCommand({ Bucket: bucket, Key: 'keep/2' }));
    // A copy through the access point reads its source through it too: outside the prefixes, denied.
    await expectS3Error(
      viaAp.send(new CopyObjectCommand({ Bucket: name, Key: 'del/copy', CopySource: `${name}/keep/2` })),
      'AccessDenied',
      403,
    );
    await rootData.send(new PutObjectCommand({ Bucket: bucket, Key: 'del/src', Body: 'src' }));
    await viaAp.send(new CopyObjectCommand({ Bucket: name, Key: 'del/copy', CopySource: `${name}/del/src` }));
    const copied = await rootData.send(new GetObjectCommand({ Bucket: bucket, Key: 'del/copy' }));
    assert.equal(await copied.Body!.transformToString(), 'src');
    // A rename must not move an object from outside the scope into it.
    await expectS3Error(
      viaAp.send(
        new RenameObjectCommand({ Bucket: name, Key: 'del/stolen', RenameSource: `${name}/keep/2` }),
      ),
      'AccessDenied',
      403,
    );
    await viaAp.send(
      new RenameObjectCommand({ Bucket: name, Key: 'del/renamed', RenameSource: `${name}/del/copy` }),
    );
    const renamed = await rootData.send(new GetObjectCommand({ Bucket: bucket, Key: 'del/renamed' }));
    assert.equal(await renamed.Body!.transformToString(), 'src');
  });

  test('a session created through an access point is refused on the bucket name', async () => {
    const name = apName();
    assert.equal((await createAp(name)).status, 200);
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'bound.txt', Body: 'bound' }));
    const session = await t
      .controlClient()
      .send(new CreateSessionCommand({ Bucket: name, SessionMode: 'ReadOnly' }));
    const c = session.Credentials!;
    const credentials = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
    const get = async (addressed: string) =>
      send(
        await signRequest(port, { method: 'GET', path: `/${addressed}/bound.txt` }, { credentials }),
        port,
      );
    const through = await get(name);
    assert.equal(through.status, 200, through.body);
    assert.equal(through.body, 'bound');
    const onBucket = await get(bucket);
    assert.equal(onBucket.status, 403);
    assert.equal(onBucket.code, 'AccessDenied');
    const other = apName();
    assert.equal((await createAp(other)).status, 200);
    assert.equal((await get(other)).status, 403, 'nor through another access point');

    // And a session of the bucket does not go through the access point.
    const bucketSession = (await t.controlClient().send(new CreateSessionCommand({ Bucket: bucket })))
      .Credentials!;
    const res = await send(
      await signRequest(
        port,
        { method: 'GET', path: `/${name}/bound.txt` },
        {
          credentials: {
            accessKeyId: bucketSession.AccessKeyId!,
            secretAccessKey: bucketSession.SecretAccessKey!,
            sessionToken: bucketSession.SessionToken!,
          },
        },
      ),
      port,
    );
    assert.equal(res.status, 403);
  });

  test('TagResource, ListTagsForResource, UntagResource on buckets and access points; tags at CreateBucket', async () => {
    const tagged = bucketName();
    await t.controlClient().send(
      new CreateBucketCommand({
        ...createBucketInput(tagged),
        CreateBucketConfiguration: {
          ...createBucketInput(tagged).CreateBucketConfiguration,
          Tags: [{ Key: 'team', Value: 'data' }],
        },
      }),
    );
    const list = async (arn: string) => {
      const res = await root({ method: 'GET', path: tagsPath(arn) });
      assert.equal(res.status, 200, res.body);
      return Object.fromEntries(elements(res.body, 'Key').map((k, i) => [k, elements(res.body, 'Value')[i]]));
    };
    assert.deepEqual(await list(bucketArnOf(tagged)), { team: 'data' });
    const tag = await root({
      method: 'POST',
      path: tagsPath(bucketArnOf(tagged)),
      body: controlXml(
        'TagResourceRequest',
        '<Tags><Tag><Key>team</Key><Value>ml</Value></Tag><Tag><Key>env</Key><Value>prod</Value></Tag></Tags>',
      ),
    });
    assert.equal(tag.status, 204, tag.body);
    assert.deepEqual(await list(bucketArnOf(tagged)), { team: 'ml', env: 'prod' });
    const untag = await root({
      method: 'DELETE',
      path: tagsPath(bucketArnOf(tagged)),
      query: { tagKeys: 'env' },
    });
    assert.equal(untag.status, 204, untag.body);
    assert.deepEqual(await list(bucketArnOf(tagged)), { team: 'ml' });

    const name = apName();
    assert.equal((await createAp(name, '<Tags><Tag><Key>k</Key><Value>v</Value></Tag></Tags>')).status, 200);
    assert.deepEqual(await list(apArn(name)), { k: 'v' });
    await root({
      method: 'POST',
      path: tagsPath(apArn(name)),
      body: controlXml('TagResourceRequest', '<Tags><Tag><Key>k2</Key><Value></Value></Tag></Tags>'),
    });
    assert.deepEqual(await list(apArn(name)), { k: 'v', k2: '' });

    const invalid = await root({
      method: 'POST',
      path: tagsPath(apArn(name)),
      body: controlXml(
        'TagResourceRequest',
        '<Tags><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></Tags>',
      ),
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.code, 'InvalidTag');
    const tooMany = Array.from({ length: 51 }, (_, i) => `<Tag><Key>k${i}</Key><Value>v</Value></Tag>`).join(
      '',
    );
    const over = await root({
      method: 'POST',
      path: tagsPath(apArn(name)),
      body: controlXml('TagResourceRequest', `<Tags>${tooMany}</Tags>`),
    });
    assert.equal(over.code, 'InvalidTag');
    await expectS3Error(
      t.controlClient().send(
        new CreateBucketCommand({
          ...createBucketInput(bucketName()),
          CreateBucketConfiguration: {
            ...createBucketInput(bucket).CreateBucketConfiguration,
            Tags: [{ Key: 'aws:reserved', Value: 'x' }],
          },
        }),
      ),
      'InvalidTag',
      400,
    );
  });

  test('a tag condition (aws:ResourceTag) allows and denies', async () => {
    const tagged = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(tagged)));
    const setTeam = async (value: string) => {
      const res = await root({
        method: 'POST',
        path: tagsPath(bucketArnOf(tagged)),
        body: controlXml(
          'TagResourceRequest',
          `<Tags><Tag><Key>team</Key><Value>${value}</Value></Tag></Tags>`,
        ),
      });
      assert.equal(res.status, 204, res.body);
    };
    await t.client().send(new PutObjectCommand({ Bucket: tagged, Key: 'k', Body: 'tagged' }));
    const abac = (): S3Client => t.client({ credentials: credsOf('abac') });
    await expectS3Error(abac().send(new GetObjectCommand({ Bucket: tagged, Key: 'k' })), 'AccessDenied', 403);
    await setTeam('data');
    const got = await abac().send(new GetObjectCommand({ Bucket: tagged, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'tagged');
    await setTeam('ml');
    await expectS3Error(abac().send(new GetObjectCommand({ Bucket: tagged, Key: 'k' })), 'AccessDenied', 403);
  });

  test('the same flows with boto3 (s3control and s3)', async () => {
    // dist/test/e2e/ → the script beside this file's source.
    const script = fileURLToPath(new URL('../../../test/e2e/boto3/access_points_flow.py', import.meta.url));
    const flow = JSON.stringify({
      endpoint: t.ipEndpoint,
      region: REGION,
      account: A,
      bucket,
      root: ROOT_KEY,
      everything: credsOf('everything'),
      abac: credsOf('abac'),
    });
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        'python3',
        [script],
        { env: { ...process.env, ZONAL_FLOW: flow, AWS_CONFIG_FILE: '/dev/null' }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err.code as number) ?? 1) : 0, output: stdout + stderr }),
      );
    });
    assert.equal(code, 0, output);
    assert.match(output, /boto3 flow done/);
  });

  test("another account's access point reaches a bucket that delegates to it", async () => {
    const shared = bucketName();
    const rootData = t.controlClient();
    await rootData.send(new CreateBucketCommand(createBucketInput(shared)));
    await t.client().send(new PutObjectCommand({ Bucket: shared, Key: 'x', Body: 'cross' }));
    const name = apName();
    const created = await control(port, {
      method: 'PUT',
      path: `accesspoint/${name}`,
      accountId: B,
      credentials: B_ROOT,
      body: controlXml(
        'CreateAccessPointRequest',
        `<Bucket>${shared}</Bucket><BucketAccountId>${A}</BucketAccountId>`,
      ),
    });
    assert.equal(created.status, 200, created.body);
    assert.deepEqual(elements(created.body, 'AccessPointArn'), [
      `arn:aws:s3express:${REGION}:${B}:accesspoint/${name}`,
    ]);
    const asB = t.client({ credentials: B_ROOT });
    // "creating cross-account access points doesn't grant you access to data in the bucket until
    // you are granted permissions from the bucket owner" (Creating access points for directory buckets).
    await expectS3Error(asB.send(new GetObjectCommand({ Bucket: name, Key: 'x' })), 'AccessDenied', 403);
    const delegate = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 's3express:CreateSession',
          Resource: bucketArnOf(shared),
          Condition: { StringEquals: { 's3express:DataAccessPointAccount': B } },
        },
      ],
    };
    await rootData.send(new PutBucketPolicyCommand({ Bucket: shared, Policy: JSON.stringify(delegate) }));
    const fresh = t.client({ credentials: B_ROOT });
    const got = await fresh.send(new GetObjectCommand({ Bucket: name, Key: 'x' }));
    assert.equal(await got.Body!.transformToString(), 'cross');
    await expectS3Error(fresh.send(new GetObjectCommand({ Bucket: shared, Key: 'x' })), 'AccessDenied', 403);
    // The access point is B's: A sees it neither in its list nor by name.
    assert.equal((await root({ method: 'GET', path: `accesspoint/${name}` })).code, 'NoSuchAccessPoint');
  });

  test('zonal access-point list', async () => {
    const own = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(own)));
    const names = [apName(), apName()];
    for (const name of names) {
      const res = await root({
        method: 'PUT',
        path: `accesspoint/${name}`,
        body: controlXml('CreateAccessPointRequest', `<Bucket>${own}</Bucket>`),
      });
      assert.equal(res.status, 200, res.body);
    }
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [zonalBin, 'access-point', 'list', ...args],
          {
            env: {
              PATH: process.env.PATH,
              ZONAL_ENDPOINT: t.ipEndpoint,
              ZONAL_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
              ZONAL_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
            },
          },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    // The account comes from STS GetCallerIdentity on the same server.
    const listed = await run(['--bucket', own]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.stdout.trim().split('\n'),
      names.sort().map((n) => [n, own, apArn(n)].join('\t')),
    );
    const all = await run(['--account-id', A]);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(all.stdout.split('\n').length > names.length);
    const wrong = await run(['--account-id', '999999999999']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /AccessDenied/);
  });

  test('session credentials cannot call S3 Control', async () => {
    const session = (await t.controlClient().send(new CreateSessionCommand({ Bucket: bucket }))).Credentials!;
    const res = await control(port, {
      method: 'GET',
      path: 'accesspointfordirectory',
      accountId: A,
      credentials: {
        accessKeyId: session.AccessKeyId!,
        secretAccessKey: session.SecretAccessKey!,
        sessionToken: session.SessionToken!,
      },
    });
    assert.equal(res.status, 403);
  });
});
