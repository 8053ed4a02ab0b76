import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { zonalBin } from '../helpers/cli-server.js';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const A = '333333333333';
const statement = (Effect: string, extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: `${Effect}Sessions`, Effect, Action: 's3express:CreateSession', Resource: '*', ...extra },
  ],
});

describe('zonal iam explain', () => {
  let t: TestZonal;
  let bucket: string;
  const explain = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [zonalBin, 'iam', 'explain', '--data-dir', t.dataDir, '--bucket', bucket, ...args],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
          ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
        },
      },
    );

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
                {
                  name: 'reader',
                  policies: {
                    ReadOnlySessions: statement('Allow', {
                      Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
                    }),
                  },
                },
                { name: 'blocked', policies: { All: statement('Allow'), NoSessions: statement('Deny') } },
                {
                  name: 'office',
                  policies: {
                    FromOffice: statement('Allow', {
                      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
                    }),
                  },
                },
              ],
            },
          ],
        },
      },
    );
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  test('explains a ReadOnly-only user: ReadWrite denied, ReadOnly allowed by the named statement', () => {
    const out = explain('--principal', `arn:aws:iam::${A}:user/reader`);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /Decision: {2}DENY \(ReadWrite\)/);
    assert.match(out.stdout, /Decision: {2}ALLOW \(ReadOnly\)/);
    assert.match(out.stdout, /Allow +user reader policy ReadOnlySessions.*Sid "AllowSessions"/);
  });

  test('names the explicit deny that wins, and exits 2', () => {
    const out = explain('--principal', `arn:aws:iam::${A}:user/blocked`, '--mode', 'ReadWrite');
    assert.equal(out.status, 2);
    assert.match(out.stdout, /Decision: {2}DENY/);
    assert.match(out.stdout, /Deny +user blocked policy NoSessions/);
  });

  test('takes condition keys from --context, and answers JSON', () => {
    const outside = explain(
      '--principal',
      `arn:aws:iam::${A}:user/office`,
      '--context',
      'aws:SourceIp=192.0.2.1',
      '--json',
    );
    assert.equal(outside.status, 2);
    const inside = explain(
      '--principal',
      `arn:aws:iam::${A}:user/office`,
      '--context',
      'aws:SourceIp=10.1.2.3',
      '--json',
    );
    assert.equal(inside.status, 0, inside.stderr);
    const [result] = JSON.parse(inside.stdout) as { mode: string; decision: { allowed: boolean } }[];
    assert.equal(result!.mode, 'ReadWrite');
    assert.equal(result!.decision.allowed, true);
  });

  test('an account root is allowed in its own account; unknown principals are an error', () => {
    const root = explain('--principal', ROOT_KEY.accessKeyId);
    assert.equal(root.status, 0, root.stderr);
    assert.match(root.stdout, /ALLOW \(ReadWrite\)/);
    const unknown = explain('--principal', `arn:aws:iam::${A}:user/nobody`);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown principal/);
  });
});
