/**
 * Keys that begin with `/` in path style: the JS SDK sends `/<bucket>/` + `/<key>`, botocore
 * `/<bucket>/<key>`; Zonal reads botocore's paths (known by User-Agent) as they stand
 * (docs/COMPATIBILITY.md, Routing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { isBotocore } from '../../src/http/request-target.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const KEYS = ['lead/x', '/lead/x', '//x'];
const BOTO3_AGENT = 'Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.11.7 Botocore/1.43.11';
const CLI_AGENT = 'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux botocore/1.43.11';

describe('keys with leading slashes', () => {
  let t: TestZonal;
  let bucket: string;

  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  test('botocore is recognised by its User-Agent', () => {
    assert.ok(isBotocore(BOTO3_AGENT));
    assert.ok(isBotocore(CLI_AGENT));
    assert.ok(isBotocore('Botocore/1.20.0 Python/3.8'));
    assert.ok(!isBotocore('aws-sdk-js/3.1175.0 ua/2.1 os/linux'));
    assert.ok(!isBotocore(undefined));
    assert.ok(!isBotocore('curl/8.0'));
  });

  test('the JS SDK round-trips every key in path and virtual-hosted style', async () => {
    for (const [style, s3] of [
      ['path', t.client()],
      ['vhost', t.vhostClient()],
    ] as const) {
      for (const key of KEYS) {
        const Key = key;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `${style}:${key}` }));
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        assert.equal(await got.Body!.transformToString(), `${style}:${key}`);
      }
    }
    const listed = await t.client().send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(
      listed.Contents!.map((c) => c.Key),
      ['//x', '/lead/x', 'lead/x'],
    );
  });

  test('botocore paths are taken as they stand; the same paths without its User-Agent drop one slash', async () => {
    const port = t.zonal.port;
    const put = async (path: string, agent: string | undefined, body: string) => {
      const headers: Record<string, string> = agent ? { 'user-agent': agent } : {};
      const signed = await signRequest(
        port,
        { method: 'PUT', path, headers, body },
        { credentials: ROOT_KEY },
      );
      assert.equal((await send(signed, port)).status, 200);
    };
    const s3 = t.client();
    const read = async (Key: string) =>
      (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();
    // botocore's forms of lead/x, /lead/x and //x.
    await put(`/${bucket}/lead/x`, BOTO3_AGENT, 'boto lead/x');
    await put(`/${bucket}//lead/x`, BOTO3_AGENT, 'boto /lead/x');
    await put(`/${bucket}///x`, CLI_AGENT, 'cli //x');
    assert.equal(await read('lead/x'), 'boto lead/x');
    assert.equal(await read('/lead/x'), 'boto /lead/x');
    assert.equal(await read('//x'), 'cli //x');
    // Without botocore's User-Agent, `/<b>//lead/x` is the JS SDK's form of lead/x.
    await put(`/${bucket}//lead/x`, undefined, 'js lead/x');
    assert.equal(await read('lead/x'), 'js lead/x');
  });
});
