/**
 * The server-wide budget for request bodies read whole into memory (src/http/body-budget.ts):
 * with a small budget, of two concurrent CompleteMultipartUpload documents that together
 * exceed it, the second is answered 503 SlowDown while the first completes; the budget returns
 * to zero and the refused completion succeeds when retried. IAM/STS form bodies count too
 * (503 ServiceUnavailable in the Query protocol).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { CreateUserCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { RawConnection, serializeRequest, type RawHttpResponse } from '../helpers/raw-http.js';
import { signRequest } from '../helpers/raw-signing.js';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  TEST_REGION,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const KiB = 1024;
const BUDGET = 1024 * KiB;
/** Each document alone fits the budget (and CompleteMultipartUpload's 4 MiB limit); two do not. */
const DOCUMENT = 600 * KiB;
const WAIT_MS = 10_000;

const codeOf = (res: RawHttpResponse): string | undefined =>
  /<Code>([^<]*)<\/Code>/.exec(res.body.toString('utf8'))?.[1];

/** A CompleteMultipartUpload document naming part 1, padded with whitespace to `size` bytes. */
function completeDocument(etag: string, size: number): Buffer {
  const part = `<Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part>`;
  const open = '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">';
  const close = '</CompleteMultipartUpload>';
  const padding = ' '.repeat(size - open.length - part.length - close.length);
  return Buffer.from(open + padding + part + close);
}

describe('the request-body budget', () => {
  let t: TestZonal;
  let s3: S3Client;
  let port: number;
  const bucket = bucketName();

  before(async () => {
    t = await startTestZonal({ bodyBudgetBytes: BUDGET });
    s3 = t.client();
    port = t.zonal.port;
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  /** An upload with one part, and the signed head and body of its completion. */
  async function uploadWithPart(key: string) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: `part of ${key}` }),
    );
    const body = completeDocument(ETag!, DOCUMENT);
    const path = `/${bucket}/${key}`;
    const signed = await signRequest(
      port,
      {
        method: 'POST',
        path,
        query: { uploadId: UploadId! },
        headers: { 'content-length': String(body.length) },
        body,
      },
      { credentials: ROOT_KEY },
    );
    const head = serializeRequest(
      'POST',
      `${path}?uploadId=${UploadId}`,
      Object.entries(signed.headers),
      Buffer.alloc(0),
    );
    return { uploadId: UploadId!, etag: ETag!, head, body };
  }

  test('two concurrent documents over the budget: one 503 SlowDown, the other completes; the budget returns to 0', async () => {
    const budget = t.zonal.bodyBudget;
    const first = await uploadWithPart('budget/first');
    const second = await uploadWithPart('budget/second');

    // The first document arrives in part and waits there, holding its bytes.
    const a = await RawConnection.open(port);
    a.write(first.head);
    a.write(first.body.subarray(0, DOCUMENT - 100));
    for (const deadline = Date.now() + WAIT_MS; budget.inUse < DOCUMENT - 100;) {
      assert.ok(Date.now() < deadline, `the first body was not read (${budget.inUse} bytes held)`);
      await sleep(5);
    }

    // The second one, whole, does not fit beside it.
    const b = await RawConnection.open(port);
    b.write(second.head);
    b.write(second.body);
    const refused = await b.readResponse(false, WAIT_MS);
    assert.equal(refused.status, 503, refused.body.toString('utf8'));
    assert.equal(codeOf(refused), 'SlowDown');
    // The rest of the body was read and dropped (http/unread-body.ts): the connection is kept.
    assert.equal(refused.closes, false, 'kept alive after the refused body was drained');
    b.destroy();
    assert.equal(budget.inUse, DOCUMENT - 100, 'the refused document holds nothing');

    // The first finishes and completes.
    a.write(first.body.subarray(DOCUMENT - 100));
    const completed = await a.readResponse(false, WAIT_MS);
    assert.equal(completed.status, 200, completed.body.toString('utf8'));
    assert.match(completed.body.toString('utf8'), /<CompleteMultipartUploadResult/);
    a.destroy();
    assert.equal(budget.inUse, 0, 'everything released');

    // The server keeps serving, and the refused completion succeeds when retried.
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'budget/first' }));
    assert.equal(await got.Body!.transformToString(), 'part of budget/first');
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'budget/second',
        UploadId: second.uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: second.etag }] },
      }),
    );
    const retried = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'budget/second' }));
    assert.equal(await retried.Body!.transformToString(), 'part of budget/second');
    assert.equal(budget.inUse, 0);
  });
});

describe('the request-body budget for IAM form bodies', () => {
  test('a form body that does not fit: 503 ServiceUnavailable; one that does is served', async () => {
    // `Action=CreateUser&UserName=…&Version=…` is over 60 bytes, `Action=GetUser&Version=…` under.
    const t = await startTestZonal({ bodyBudgetBytes: 60 });
    const iam = new IAMClient({
      endpoint: t.ipEndpoint,
      region: TEST_REGION,
      credentials: ROOT_KEY,
      maxAttempts: 1,
    });
    try {
      const err = await iam.send(new CreateUserCommand({ UserName: 'budget-user-with-a-long-name' })).then(
        () => assert.fail('CreateUser was served'),
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
      );
      assert.equal(err.name, 'ServiceUnavailable', err.message);
      assert.equal(err.$metadata?.httpStatusCode, 503);
      assert.equal(t.zonal.bodyBudget.inUse, 0);
      const user = await iam.send(new GetUserCommand({}));
      assert.ok(user.User?.Arn?.endsWith(':root'), user.User?.Arn);
    } finally {
      iam.destroy();
      await t.close();
    }
  });
});
