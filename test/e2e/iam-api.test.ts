import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  paginateListUsers,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type AccessKey,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateBucketCommand, CreateSessionCommand, ListDirectoryBucketsCommand } from '@aws-sdk/client-s3';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { startZonal } from '../../src/server/start.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  TEST_REGION,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const ACCOUNT = '123456789012';
type Keys = { accessKeyId: string; secretAccessKey: string };

/** Asserts an IAM/STS error by its Query-protocol code (the SDK names modeled ones `<Code>Exception`). */
async function expectIamError(promise: Promise<unknown>, code: string, status: number): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    const actual = e.$metadata?.httpStatusCode;
    if ((e.name !== code && e.name !== `${code}Exception`) || actual !== status) {
      throw new Error(`expected ${code}/${status}, got ${e.name}/${actual}: ${e.message}`);
    }
    return e;
  }
  throw new Error(`expected ${code}/${status}, but the request succeeded`);
}

const keysOf = (k: AccessKey | undefined): Keys => ({
  accessKeyId: k!.AccessKeyId!,
  secretAccessKey: k!.SecretAccessKey!,
});

const policy = (statement: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [statement] });

describe('IAM and STS Query APIs', () => {
  let t: TestZonal;
  const clients: Array<IAMClient | STSClient> = [];
  const iamAs = (credentials: Keys = ROOT_KEY): IAMClient => {
    const c = new IAMClient({ endpoint: t.ipEndpoint, region: TEST_REGION, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const stsAs = (credentials: Keys = ROOT_KEY): STSClient => {
    const c = new STSClient({ endpoint: t.ipEndpoint, region: TEST_REGION, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  let iam: IAMClient;

  before(async () => {
    t = await startTestZonal({}, { accountId: ACCOUNT });
    iam = iamAs();
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await t.close();
  });

  test('STS GetCallerIdentity names the account root', async () => {
    const me = await stsAs().send(new GetCallerIdentityCommand({}));
    assert.deepEqual(
      { UserId: me.UserId, Account: me.Account, Arn: me.Arn },
      { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` },
    );
  });

  test('users and access keys round-trip; a new key authenticates', async () => {
    const created = await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/team/' }));
    const user = created.User!;
    assert.equal(user.UserName, 'alice');
    assert.equal(user.Path, '/team/');
    assert.equal(user.Arn, `arn:aws:iam::${ACCOUNT}:user/team/alice`);
    assert.match(user.UserId!, /^AIDA[A-Z2-7]{17}$/);
    assert.ok(user.CreateDate instanceof Date);

    const got = await iam.send(new GetUserCommand({ UserName: 'ALICE' }));
    assert.equal(got.User!.UserId, user.UserId, 'user names ignore case');
    const listed = await iam.send(new ListUsersCommand({}));
    assert.deepEqual(
      listed.Users!.map((u) => u.UserName),
      ['alice'],
    );
    const byPrefix = await iam.send(new ListUsersCommand({ PathPrefix: '/other/' }));
    assert.deepEqual(byPrefix.Users, []);

    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    assert.match(key.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(key.SecretAccessKey!.length, 40);
    assert.equal(key.Status, 'Active');
    assert.equal(key.UserName, 'alice');
    const meta = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    assert.deepEqual(
      meta.AccessKeyMetadata!.map((k) => [k.UserName, k.AccessKeyId, k.Status]),
      [['alice', key.AccessKeyId, 'Active']],
    );
    assert.ok(!JSON.stringify(meta).includes(key.SecretAccessKey!), 'ListAccessKeys never shows a secret');

    const me = await stsAs(keysOf(key)).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, user.Arn);
    assert.equal(me.UserId, user.UserId);
    assert.equal(me.Account, ACCOUNT);

    // Deactivated, the key no longer authenticates; reactivated, it does again.
    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }),
    );
    await expectIamError(
      stsAs(keysOf(key)).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      403,
    );
    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId, Status: 'Active' }),
    );
    await stsAs(keysOf(key)).send(new GetCallerIdentityCommand({}));

    await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: key.AccessKeyId }));
    await expectIamError(
      stsAs(keysOf(key)).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      403,
    );
    await iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    await expectIamError(iam.send(new GetUserCommand({ UserName: 'alice' })), 'NoSuchEntity', 404);
  });

  test('GetUser without a name describes the caller, root or user', async () => {
    const root = (await iam.send(new GetUserCommand({}))).User!;
    assert.equal(root.Arn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(root.UserId, ACCOUNT);
    assert.equal(root.UserName, undefined);

    await iam.send(new CreateUserCommand({ UserName: 'self' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'self' }))).AccessKey!;
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'self',
        PolicyName: 'own',
        PolicyDocument: JSON.stringify(
          policy({
            Effect: 'Allow',
            Action: ['iam:GetUser', 'iam:ListAccessKeys'],
            Resource: 'arn:aws:iam::*:user/${aws:username}',
          }),
        ),
      }),
    );
    const selfIam = iamAs(keysOf(key));
    assert.equal((await selfIam.send(new GetUserCommand({}))).User!.UserName, 'self');
    const keys = await selfIam.send(new ListAccessKeysCommand({}));
    assert.deepEqual(
      keys.AccessKeyMetadata!.map((k) => k.AccessKeyId),
      [key.AccessKeyId],
    );
    // The policy variable limits the user to itself.
    await iam.send(new CreateUserCommand({ UserName: 'neighbour' }));
    await expectIamError(selfIam.send(new GetUserCommand({ UserName: 'neighbour' })), 'AccessDenied', 403);
  });

  test('inline policies round-trip; a malformed one is refused and not stored', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'pol' }));
    const document = policy({
      Sid: 'Read',
      Effect: 'Allow',
      Action: ['s3express:CreateSession'],
      Resource: `arn:aws:s3express:us-east-1:${ACCOUNT}:bucket/*`,
      Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
    });
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'pol',
        PolicyName: 'ReadOnly',
        PolicyDocument: JSON.stringify(document, null, 2),
      }),
    );
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'pol', PolicyName: 'ReadOnly' }));
    assert.equal(got.UserName, 'pol');
    assert.equal(got.PolicyName, 'ReadOnly');
    assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), document);

    for (const bad of [
      '{not json',
      JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      JSON.stringify(policy({ Effect: 'Maybe', Action: 's3express:*', Resource: '*' })),
      JSON.stringify({ ...policy({ Effect: 'Allow', Action: '*', Resource: '*' }), Extra: 1 }),
    ]) {
      const err = await expectIamError(
        iam.send(new PutUserPolicyCommand({ UserName: 'pol', PolicyName: 'Bad', PolicyDocument: bad })),
        'MalformedPolicyDocument',
        400,
      );
      assert.ok(err.message.length > 0);
    }
    const names = await iam.send(new ListUserPoliciesCommand({ UserName: 'pol' }));
    assert.deepEqual(names.PolicyNames, ['ReadOnly']);
    await expectIamError(
      iam.send(new GetUserPolicyCommand({ UserName: 'pol', PolicyName: 'Bad' })),
      'NoSuchEntity',
      404,
    );

    // Replacing keeps one policy of that name.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'pol',
        PolicyName: 'ReadOnly',
        PolicyDocument: JSON.stringify(policy({ Effect: 'Deny', Action: '*', Resource: '*' })),
      }),
    );
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'pol' }))).PolicyNames, [
      'ReadOnly',
    ]);
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'pol', PolicyName: 'ReadOnly' }));
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'pol' }))).PolicyNames, []);
    await expectIamError(
      iam.send(new DeleteUserPolicyCommand({ UserName: 'pol', PolicyName: 'ReadOnly' })),
      'NoSuchEntity',
      404,
    );
  });

  test('DeleteUser conflicts while keys or policies remain; limits and duplicates', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'conflicted' }));
    await expectIamError(
      iam.send(new CreateUserCommand({ UserName: 'Conflicted' })),
      'EntityAlreadyExists',
      409,
    );
    const k1 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'conflicted' }))).AccessKey!;
    const k2 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'conflicted' }))).AccessKey!;
    await expectIamError(
      iam.send(new CreateAccessKeyCommand({ UserName: 'conflicted' })),
      'LimitExceeded',
      409,
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'conflicted',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' })),
      }),
    );
    let err = await expectIamError(
      iam.send(new DeleteUserCommand({ UserName: 'conflicted' })),
      'DeleteConflict',
      409,
    );
    assert.match(err.message, /access keys/);
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'conflicted', AccessKeyId: k1.AccessKeyId }));
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'conflicted', AccessKeyId: k2.AccessKeyId }));
    await expectIamError(
      iam.send(new DeleteAccessKeyCommand({ UserName: 'conflicted', AccessKeyId: k2.AccessKeyId })),
      'NoSuchEntity',
      404,
    );
    err = await expectIamError(
      iam.send(new DeleteUserCommand({ UserName: 'conflicted' })),
      'DeleteConflict',
      409,
    );
    assert.match(err.message, /policies/);
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'conflicted', PolicyName: 'p' }));
    await iam.send(new DeleteUserCommand({ UserName: 'conflicted' }));
    await expectIamError(iam.send(new DeleteUserCommand({ UserName: 'conflicted' })), 'NoSuchEntity', 404);
  });

  test('parameters are validated as IAM does', async () => {
    await expectIamError(iam.send(new CreateUserCommand({ UserName: 'has space' })), 'ValidationError', 400);
    await expectIamError(
      iam.send(new CreateUserCommand({ UserName: 'x'.repeat(65) })),
      'ValidationError',
      400,
    );
    await expectIamError(
      iam.send(new CreateUserCommand({ UserName: 'p', Path: 'nopath' })),
      'ValidationError',
      400,
    );
    await expectIamError(iam.send(new ListUsersCommand({ MaxItems: 0 })), 'ValidationError', 400);
    await expectIamError(
      iam.send(
        new UpdateAccessKeyCommand({
          UserName: 'self',
          AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
          Status: 'Bogus' as 'Active',
        }),
      ),
      'ValidationError',
      400,
    );
    await expectIamError(iam.send(new CreateAccessKeyCommand({})), 'ValidationError', 400);
  });

  test('ListUsers pages with Marker and MaxItems', async () => {
    for (let i = 0; i < 5; i++)
      await iam.send(new CreateUserCommand({ UserName: `page-${i}`, Path: '/paged/' }));
    const first = await iam.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    assert.equal(first.IsTruncated, true);
    assert.ok(first.Marker);
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: iam, pageSize: 2 }, { PathPrefix: '/paged/' })) {
      assert.ok(page.Users!.length <= 2);
      names.push(...page.Users!.map((u) => u.UserName!));
    }
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  test('a user without IAM permissions is denied; an explicit deny wins', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
    const nobody = keysOf((await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey);
    const err = await expectIamError(iamAs(nobody).send(new ListUsersCommand({})), 'AccessDenied', 403);
    assert.match(err.message, /is not authorized to perform: iam:ListUsers/);
    await expectIamError(
      iamAs(nobody).send(new CreateUserCommand({ UserName: 'sneaky' })),
      'AccessDenied',
      403,
    );
    await expectIamError(
      iamAs(nobody).send(new GetUserCommand({ UserName: 'no-such' })),
      'AccessDenied',
      403,
    );
    // STS needs no permission.
    assert.equal(
      (await stsAs(nobody).send(new GetCallerIdentityCommand({}))).Arn,
      `arn:aws:iam::${ACCOUNT}:user/nobody`,
    );

    await iam.send(new CreateUserCommand({ UserName: 'admin' }));
    const admin = keysOf((await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }))).AccessKey);
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'admin',
        PolicyName: 'all',
        PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: 'iam:*', Resource: '*' })),
      }),
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'admin',
        PolicyName: 'no-delete',
        PolicyDocument: JSON.stringify(policy({ Effect: 'Deny', Action: 'iam:DeleteUser', Resource: '*' })),
      }),
    );
    const adminIam = iamAs(admin);
    await adminIam.send(new CreateUserCommand({ UserName: 'made-by-admin' }));
    assert.ok(
      (await adminIam.send(new ListUsersCommand({}))).Users!.some((u) => u.UserName === 'made-by-admin'),
    );
    const denied = await expectIamError(
      adminIam.send(new DeleteUserCommand({ UserName: 'made-by-admin' })),
      'AccessDenied',
      403,
    );
    assert.match(denied.message, /explicit deny/);
  });

  test('policy names that are Object.prototype names are stored, listed, returned and enforced', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'proto' }));
    const proto = keysOf((await iam.send(new CreateAccessKeyCommand({ UserName: 'proto' }))).AccessKey);
    const put = (PolicyName: string, statement: Record<string, unknown>) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'proto',
          PolicyName,
          PolicyDocument: JSON.stringify(policy(statement)),
        }),
      );
    await put('all', { Effect: 'Allow', Action: 'iam:*', Resource: '*' });
    // Each name denies one action, so each is seen to be enforced on its own.
    // A Map: in an object literal, `__proto__: ...` is not a key.
    const denials = new Map([
      ['__proto__', 'iam:ListUsers'],
      ['constructor', 'iam:GetUser'],
      ['hasOwnProperty', 'iam:ListAccessKeys'],
    ]);
    const names = [...denials.keys()];
    for (const name of names) await put(name, { Effect: 'Deny', Action: denials.get(name), Resource: '*' });

    const listed = await iam.send(new ListUserPoliciesCommand({ UserName: 'proto' }));
    assert.deepEqual(listed.PolicyNames, [...names, 'all'].sort());
    for (const name of names) {
      const got = await iam.send(new GetUserPolicyCommand({ UserName: 'proto', PolicyName: name }));
      assert.equal(got.PolicyName, name);
      assert.deepEqual(
        JSON.parse(decodeURIComponent(got.PolicyDocument!)),
        policy({ Effect: 'Deny', Action: denials.get(name), Resource: '*' }),
      );
    }
    // The identities file holds them as plain keys.
    const file = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'iam.json'), 'utf8')) as {
      accounts: Array<{ users?: Array<{ name: string; policies?: object }> }>;
    };
    const stored = file.accounts.flatMap((a) => a.users ?? []).find((u) => u.name === 'proto')!;
    assert.deepEqual(Object.keys(stored.policies!).sort(), [...names, 'all'].sort());

    const asProto = iamAs(proto);
    const denied = await expectIamError(asProto.send(new ListUsersCommand({})), 'AccessDenied', 403);
    assert.match(denied.message, /explicit deny/);
    await expectIamError(asProto.send(new GetUserCommand({ UserName: 'proto' })), 'AccessDenied', 403);
    await expectIamError(asProto.send(new ListAccessKeysCommand({ UserName: 'proto' })), 'AccessDenied', 403);
    // What no Deny names is still allowed.
    await asProto.send(new ListUserPoliciesCommand({ UserName: 'proto' }));

    for (const name of names) {
      await iam.send(new DeleteUserPolicyCommand({ UserName: 'proto', PolicyName: name }));
    }
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'proto' }))).PolicyNames, [
      'all',
    ]);
    assert.ok((await asProto.send(new ListUsersCommand({}))).Users!.length > 0);
  });

  test('a query signed for UserName=x%2By and replayed as x+y is read as x+y, as it was signed', async () => {
    // SigV4 canonicalizes `+` and `%2B` alike, so the replay verifies; the IAM parser must
    // then read the same name, not `x y` (signature check and parser share protocol/query.ts).
    await iam.send(new CreateUserCommand({ UserName: 'x+y' }));
    const signed = await signRequest(
      t.zonal.port,
      { method: 'GET', path: '/', query: { Action: 'GetUser', UserName: 'x+y', Version: '2010-05-08' } },
      { credentials: ROOT_KEY, service: 'iam' },
    );
    const get = (query: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port: t.zonal.port,
            path: `/?${query}`,
            headers: signed.headers,
            agent: false,
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
      });
    const escaped = await get('Action=GetUser&UserName=x%2By&Version=2010-05-08');
    assert.equal(escaped.status, 200, escaped.body);
    assert.match(escaped.body, /<UserName>x\+y<\/UserName>/);
    const replayed = await get('Action=GetUser&UserName=x+y&Version=2010-05-08');
    assert.equal(replayed.status, 200, replayed.body);
    assert.match(replayed.body, /<UserName>x\+y<\/UserName>/);
  });

  test('authentication failures use IAM codes', async () => {
    await expectIamError(
      iamAs({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) }).send(
        new ListUsersCommand({}),
      ),
      'InvalidClientTokenId',
      403,
    );
    await expectIamError(
      iamAs({ ...ROOT_KEY, secretAccessKey: 'wrong'.repeat(8) }).send(new ListUsersCommand({})),
      'SignatureDoesNotMatch',
      403,
    );
    const wrongRegion = new IAMClient({
      endpoint: t.ipEndpoint,
      region: 'eu-west-1',
      credentials: ROOT_KEY,
      maxAttempts: 1,
    });
    clients.push(wrongRegion);
    await expectIamError(wrongRegion.send(new ListUsersCommand({})), 'SignatureDoesNotMatch', 403);
  });

  test('raw Query requests: body hash, size limit, session tokens, unknown actions', async () => {
    const post = async (
      body: string,
      opts: { headers?: Record<string, string>; sessionToken?: string } = {},
    ) => {
      const signed = await signRequest(
        t.zonal.port,
        {
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
          body,
        },
        {
          credentials: { ...ROOT_KEY, ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}) },
          service: 'iam',
        },
      );
      return signed;
    };
    const ok = await send(await post('Action=ListUsers&Version=2010-05-08'), t.zonal.port);
    assert.equal(ok.status, 200);
    assert.match(
      ok.body,
      /^<ListUsersResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ListUsersResult>/,
    );
    assert.match(ok.body, /<ResponseMetadata><RequestId>[0-9A-F]+<\/RequestId><\/ResponseMetadata>/);

    const unknown = await send(await post('Action=CreateRole&Version=2010-05-08'), t.zonal.port);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code, 'InvalidAction');
    assert.match(
      unknown.body,
      /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type>/,
    );

    // The body was swapped after signing: its hash no longer matches.
    const tampered = await post('Action=ListUsers&Version=2010-05-08');
    tampered.body = 'Action=CreateUser&Version=2010-05-08&UserName=evil';
    tampered.headers['content-length'] = String(tampered.body.length);
    const swapped = await send(tampered, t.zonal.port);
    assert.equal(swapped.status, 403);
    assert.equal(swapped.code, 'SignatureDoesNotMatch');
    assert.equal(
      (await iam.send(new ListUsersCommand({}))).Users!.some((u) => u.UserName === 'evil'),
      false,
    );

    // Without x-amz-content-sha256, as botocore and the AWS CLI sign Query requests: the
    // body's own hash is what the signature covers.
    const botocoreStyle = async (body: string) =>
      signRequest(
        t.zonal.port,
        { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
        { credentials: ROOT_KEY, service: 'iam', noContentSha256: true },
      );
    const plain = await botocoreStyle('Action=ListUsers&Version=2010-05-08');
    assert.equal(plain.headers['x-amz-content-sha256'], undefined);
    assert.equal((await send(plain, t.zonal.port)).status, 200);
    const swappedPlain = await botocoreStyle('Action=ListUsers&Version=2010-05-08');
    swappedPlain.body = 'Action=CreateUser&Version=2010-05-08&UserName=evil';
    swappedPlain.headers['content-length'] = String(swappedPlain.body.length);
    const refused = await send(swappedPlain, t.zonal.port);
    assert.deepEqual([refused.status, refused.code], [403, 'SignatureDoesNotMatch']);

    const huge = await send(
      await post(`Action=CreateUser&Version=2010-05-08&UserName=big&Path=${'a'.repeat(70 * 1024)}`),
      t.zonal.port,
    );
    assert.equal(huge.status, 400);
    assert.equal(huge.code, 'ValidationError');

    // S3 Express session credentials cannot call IAM.
    const bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    const session = await t.controlClient().send(new CreateSessionCommand({ Bucket: bucket }));
    const c = session.Credentials!;
    const signed = await signRequest(
      t.zonal.port,
      {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=ListUsers&Version=2010-05-08',
      },
      {
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
        },
        service: 'iam',
      },
    );
    const withSession = await send(signed, t.zonal.port);
    assert.equal(withSession.status, 403);
    assert.equal(withSession.code, 'AccessDenied');

    // STS answers in its own namespace.
    const sts = await signRequest(
      t.zonal.port,
      {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      },
      { credentials: ROOT_KEY, service: 'sts' },
    );
    const stsRes = await send(sts, t.zonal.port);
    assert.equal(stsRes.status, 200);
    assert.match(
      stsRes.body,
      /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/,
    );
    assert.equal(stsRes.headers['x-amzn-requestid'] !== undefined, true);
  });

  test('S3 requests are unaffected', async () => {
    const out = await t.controlClient().send(new ListDirectoryBucketsCommand({}));
    assert.ok(Array.isArray(out.Buckets));
  });
});

describe('identities persist across restarts', () => {
  test('users, keys and policies survive a restart with the same data dir', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-iam-'));
    const env = {
      ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      ZONAL_ACCOUNT_ID: ACCOUNT,
    };
    const config = { ...DEFAULT_CONFIG, port: 0, dataDir, fsync: false };
    const errors: unknown[] = [];
    const iamAt = (port: number): IAMClient =>
      new IAMClient({ endpoint: `http://127.0.0.1:${port}`, region: TEST_REGION, credentials: ROOT_KEY });
    try {
      let zonal = await startZonal(config, env, (e) => errors.push(e));
      let iam = iamAt(zonal.port);
      const user = (await iam.send(new CreateUserCommand({ UserName: 'durable' }))).User!;
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'durable' }))).AccessKey!;
      const doc = policy({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' });
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'durable',
          PolicyName: 'p',
          PolicyDocument: JSON.stringify(doc),
        }),
      );
      iam.destroy();
      await zonal.close();
      assert.equal(fs.statSync(path.join(dataDir, 'iam.json')).mode & 0o777, 0o600);

      zonal = await startZonal(config, env, (e) => errors.push(e));
      iam = iamAt(zonal.port);
      const again = (await iam.send(new GetUserCommand({ UserName: 'durable' }))).User!;
      assert.equal(again.UserId, user.UserId);
      assert.equal(again.CreateDate?.getTime(), user.CreateDate?.getTime());
      const got = await iam.send(new GetUserPolicyCommand({ UserName: 'durable', PolicyName: 'p' }));
      assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), doc);
      const sts = new STSClient({
        endpoint: `http://127.0.0.1:${zonal.port}`,
        region: TEST_REGION,
        credentials: keysOf(key),
      });
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).UserId, user.UserId);
      iam.destroy();
      sts.destroy();
      await zonal.close();
      assert.deepEqual(errors, []);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a bad identities file stops the start with a message naming the problem', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-iam-'));
    try {
      const iamFile = path.join(dataDir, 'custom-iam.json');
      fs.writeFileSync(iamFile, JSON.stringify({ accounts: [{ id: '12345', users: [] }] }));
      await assert.rejects(
        startZonal(
          { ...DEFAULT_CONFIG, port: 0, dataDir, fsync: false, iamFile },
          {
            ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
            ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
          },
        ),
        (err: Error) => {
          assert.match(err.message, /custom-iam\.json/);
          assert.match(err.message, /accounts\[0\]\.id "12345" is not a 12-digit account id/);
          return true;
        },
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
