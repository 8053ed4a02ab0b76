import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListDirectoryBucketsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const A = '111111111111';
const B = '222222222222';

/** One user of the identities file: its key pair is derived from its name. */
function user(name: string, policies: Record<string, unknown> = {}) {
  return {
    name,
    accessKeys: [
      { accessKeyId: keyOf(name), secretAccessKey: `secret-of-${name}-0000000000000000000000`.slice(0, 40) },
    ],
    policies,
  };
}
function keyOf(name: string): string {
  return ('AKIA' + name.toUpperCase().replace(/[^A-Z0-9]/g, '') + 'X'.repeat(16)).slice(0, 20);
}
const allow = (action: string | string[], extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*', ...extra }],
});

describe('identities and policies decide who may create which sessions', () => {
  let t: TestZonal;
  let bucket: string;
  const clients = new Map<string, S3Client>();
  /** A default (session-auth) client, or with control: true an IAM-signed one, for a user. */
  const as = (name: string, control = false): S3Client => {
    const id = `${name}:${control}`;
    if (!clients.has(id)) {
      const u = user(name);
      clients.set(
        id,
        t.client({
          credentials: u.accessKeys[0]!,
          ...(control ? { disableS3ExpressSessionAuth: true } : {}),
        }),
      );
    }
    return clients.get(id)!;
  };

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
                user('reader', {
                  ro: allow('s3express:CreateSession', {
                    Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
                  }),
                }),
                user('writer', { rw: allow('s3express:CreateSession') }),
                user('nobody'),
                user('denied', {
                  all: allow('s3express:*'),
                  deny: {
                    Version: '2012-10-17',
                    Statement: [{ Effect: 'Deny', Action: 's3express:CreateSession', Resource: '*' }],
                  },
                }),
                user('lan', {
                  ip: allow('s3express:CreateSession', {
                    Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
                  }),
                }),
                user('local', {
                  ip: allow('s3express:CreateSession', {
                    Condition: { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } },
                  }),
                }),
                user('expired', {
                  t: allow('s3express:CreateSession', {
                    Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
                  }),
                }),
                user('admin', { a: allow('s3express:*') }),
              ],
            },
            {
              id: B,
              rootAccessKeys: [
                {
                  accessKeyId: keyOf('rootb'),
                  secretAccessKey: user('rootb').accessKeys[0]!.secretAccessKey,
                },
              ],
              users: [user('partner', { p: allow('s3express:CreateSession') })],
            },
          ],
        },
      },
    );
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: 'shared' }));
  });
  after(() => t.close());

  test('a user allowed only ReadOnly sessions gets ReadOnly without asking, 403 when asking ReadWrite', async () => {
    const out = await as('reader').send(new CreateSessionCommand({ Bucket: bucket }));
    assert.ok(out.Credentials?.SessionToken);
    await expectS3Error(
      as('reader').send(new CreateSessionCommand({ Bucket: bucket, SessionMode: 'ReadWrite' })),
      'AccessDenied',
      403,
    );
    // Through the SDK's own session handling: reads work, writes are refused by the ReadOnly session.
    const got = await as('reader').send(new GetObjectCommand({ Bucket: bucket, Key: 'doc' }));
    assert.equal(await got.Body!.transformToString(), 'shared');
    await expectS3Error(
      as('reader').send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x' })),
      'AccessDenied',
      403,
    );
    // IAM-signed requests are authorized the same way.
    await expectS3Error(
      as('reader', true).send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x' })),
      'AccessDenied',
      403,
    );
    await as('reader', true).send(new GetObjectCommand({ Bucket: bucket, Key: 'doc' }));
  });

  test('a user with no policy may do nothing; a ReadWrite user may write', async () => {
    await expectS3Error(as('nobody').send(new CreateSessionCommand({ Bucket: bucket })), 'AccessDenied', 403);
    await expectS3Error(as('nobody', true).send(new ListDirectoryBucketsCommand({})), 'AccessDenied', 403);
    await as('writer').send(new PutObjectCommand({ Bucket: bucket, Key: 'w', Body: 'w' }));
  });

  test('an explicit deny beats an allow', async () => {
    await expectS3Error(as('denied').send(new CreateSessionCommand({ Bucket: bucket })), 'AccessDenied', 403);
    // …but only for what it denies.
    await as('denied', true).send(new ListDirectoryBucketsCommand({}));
  });

  test('aws:SourceIp and aws:CurrentTime conditions are obeyed', async () => {
    await expectS3Error(as('lan').send(new CreateSessionCommand({ Bucket: bucket })), 'AccessDenied', 403);
    await as('local').send(new CreateSessionCommand({ Bucket: bucket }));
    await expectS3Error(
      as('expired').send(new CreateSessionCommand({ Bucket: bucket })),
      'AccessDenied',
      403,
    );
  });

  test('control-plane operations need identity permissions of the bucket account', async () => {
    await expectS3Error(
      as('writer', true).send(new CreateBucketCommand(createBucketInput(bucketName()))),
      'AccessDenied',
      403,
    );
    const own = bucketName();
    await as('admin', true).send(new CreateBucketCommand(createBucketInput(own)));
    const listed = await as('admin', true).send(new ListDirectoryBucketsCommand({}));
    assert.ok(listed.Buckets?.some((b) => b.Name === own));
    // Another account's root cannot manage this account's buckets, bucket policy or not.
    await expectS3Error(
      as('rootb', true).send(new GetBucketPolicyCommand({ Bucket: bucket })),
      'AccessDenied',
      403,
    );
  });

  test("CreateBucket of another account's name: 409 BucketAlreadyExists to an authorized caller", async () => {
    // Account B's root may create buckets in B; the name is taken by A.
    await expectS3Error(
      as('rootb', true).send(new CreateBucketCommand(createBucketInput(bucket))),
      'BucketAlreadyExists',
      409,
    );
    // The owner's account: BucketAlreadyOwnedByYou, as before.
    await expectS3Error(
      as('admin', true).send(new CreateBucketCommand(createBucketInput(bucket))),
      'BucketAlreadyOwnedByYou',
      409,
    );
    // Callers without s3express:CreateBucket are still refused first, in either account.
    await expectS3Error(
      as('partner', true).send(new CreateBucketCommand(createBucketInput(bucket))),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      as('writer', true).send(new CreateBucketCommand(createBucketInput(bucket))),
      'AccessDenied',
      403,
    );
  });

  test('cross-account: both the identity policy and the bucket policy must allow', async () => {
    await expectS3Error(
      as('partner').send(new CreateSessionCommand({ Bucket: bucket })),
      'AccessDenied',
      403,
    );
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Partner',
          Effect: 'Allow',
          Principal: { AWS: [`arn:aws:iam::${B}:user/partner`] },
          Action: 's3express:CreateSession',
          Resource: `arn:aws:s3express:us-east-1:${A}:bucket/${bucket}`,
          Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
        },
      ],
    };
    await t
      .controlClient()
      .send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    await as('partner').send(new CreateSessionCommand({ Bucket: bucket }));
    const got = await as('partner').send(new GetObjectCommand({ Bucket: bucket, Key: 'doc' }));
    assert.equal(await got.Body!.transformToString(), 'shared');
    // B's root has no identity policy to speak of, but the bucket policy names only the user.
    await expectS3Error(as('rootb').send(new CreateSessionCommand({ Bucket: bucket })), 'AccessDenied', 403);
    await t.controlClient().send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await expectS3Error(
      as('partner').send(new CreateSessionCommand({ Bucket: bucket })),
      'AccessDenied',
      403,
    );
  });

  test('malformed bucket policies are rejected and nothing is stored', async () => {
    const ctl = t.controlClient();
    const arn = `arn:aws:s3express:us-east-1:${A}:bucket/${bucket}`;
    const good = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: A }, Action: 's3express:CreateSession', Resource: arn },
      ],
    };
    await ctl.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(good) }));
    const bad: [string, string][] = [
      ['not json', '{"Version": '],
      [
        'no principal',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3express:CreateSession', Resource: arn }],
        }),
      ],
      [
        's3 action',
        JSON.stringify({ ...good, Statement: [{ ...good.Statement[0], Action: 's3:GetObject' }] }),
      ],
      [
        'other bucket',
        JSON.stringify({
          ...good,
          Statement: [{ ...good.Statement[0], Resource: arn.replace(bucket, 'other--use1-az4--x-s3') }],
        }),
      ],
      ['bad effect', JSON.stringify({ ...good, Statement: [{ ...good.Statement[0], Effect: 'Maybe' }] })],
      ['too large', JSON.stringify({ ...good, Id: 'x'.repeat(21 * 1024) })],
    ];
    for (const [what, text] of bad) {
      await expectS3Error(
        ctl.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text })),
        'MalformedPolicy',
        400,
      ).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
    }
    const stored = await ctl.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    assert.deepEqual(JSON.parse(stored.Policy!), good, 'the last good policy is unchanged');
    await ctl.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await expectS3Error(ctl.send(new GetBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy', 404);
  });
});
