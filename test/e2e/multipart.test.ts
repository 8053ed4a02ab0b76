import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const MiB = 1024 * 1024;

function crc32(data: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data) >>> 0);
  return out;
}

describe('multipart uploads', () => {
  let t: TestZonal;
  let bucket: string;
  let s3: S3Client;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    s3 = t.client();
  });
  after(() => t.close());

  /** Uploads the given parts (1..N) and returns what CompleteMultipartUpload needs. */
  async function uploadParts(
    key: string,
    parts: Buffer[],
    create: { ChecksumAlgorithm?: 'CRC32' | 'SHA256' } = {},
  ) {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...create }),
    );
    const completed: CompletedPart[] = [];
    for (const [i, body] of parts.entries()) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: i + 1,
          Body: body,
          ...create,
        }),
      );
      completed.push({
        PartNumber: i + 1,
        ETag: out.ETag,
        ChecksumCRC32: out.ChecksumCRC32,
        ChecksumSHA256: out.ChecksumSHA256,
      });
    }
    return { UploadId: UploadId!, completed };
  }

  test('parts become one object; without an algorithm its CRC32 is FULL_OBJECT', async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB), crypto.randomBytes(1234)];
    const { UploadId, completed } = await uploadParts('mp/full', parts);
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp/full', UploadId }));
    assert.deepEqual(
      listed.Parts?.map((p) => [p.PartNumber, p.Size]),
      [
        [1, 5 * MiB],
        [2, 5 * MiB],
        [3, 1234],
      ],
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mp/' }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === UploadId && u.Key === 'mp/full'));

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp/full',
        UploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
    const all = Buffer.concat(parts);
    assert.equal(done.ChecksumCRC32, crc32(all).toString('base64'));
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp/full' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(all));
    assert.equal(got.ETag, done.ETag);
    // A range across the part boundary reads from two parts.
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'mp/full', Range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}` }),
    );
    assert.ok(
      Buffer.from(await ranged.Body!.transformToByteArray()).equals(all.subarray(5 * MiB - 3, 5 * MiB + 3)),
    );
    // The upload is gone once completed.
    await expectS3Error(
      s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp/full', UploadId })),
      'NoSuchUpload',
      404,
    );
  });

  test('with CRC32 chosen at creation the checksum is COMPOSITE: the CRC of part CRCs, suffixed -N', async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(10)];
    const { UploadId, completed } = await uploadParts('mp/composite', parts, { ChecksumAlgorithm: 'CRC32' });
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp/composite',
        UploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
    const expected = crc32(Buffer.concat(parts.map(crc32))).toString('base64') + '-2';
    assert.equal(done.ChecksumCRC32, expected);
    assert.equal(done.ChecksumType, 'COMPOSITE');
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'mp/composite', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ChecksumCRC32, expected);
    assert.equal(head.ChecksumType, 'COMPOSITE');
  });

  for (const alg of ['SHA256', 'SHA1', 'CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    test(`GET ?partNumber=N in checksum mode answers the part's own ${alg} checksum`, async () => {
      const key = `mp/part-checksum-${alg}`;
      const field = `Checksum${alg}` as const;
      const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(777)];
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: alg }),
      );
      const completed: CompletedPart[] = [];
      for (const [i, body] of parts.entries()) {
        const out = await s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber: i + 1,
            Body: body,
            ChecksumAlgorithm: alg,
          }),
        );
        assert.ok(out[field], `part ${i + 1} has a ${alg} checksum`);
        completed.push({ PartNumber: i + 1, ETag: out.ETag, [field]: out[field] });
      }
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: completed },
        }),
      );
      for (const [i, body] of parts.entries()) {
        // The SDK validates a checksum without a -N suffix against the body it receives.
        const got = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, PartNumber: i + 1, ChecksumMode: 'ENABLED' }),
        );
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
        assert.equal(got.PartsCount, 2);
        assert.equal(got[field], completed[i]![field], `part ${i + 1} checksum`);
        assert.equal(got.ChecksumType, done.ChecksumType);
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: i + 1, ChecksumMode: 'ENABLED' }),
        );
        assert.equal(head[field], completed[i]![field]);
        assert.equal(head.ContentLength, body.length);
      }
      // Without checksum mode, no checksum.
      const plain = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 1 }));
      assert.equal(plain[field], undefined);
    });
  }

  test('GET ?partNumber=1 of a single-PUT object answers the whole object checksum', async () => {
    const body = crypto.randomBytes(100);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'mp/single', Body: body, ChecksumAlgorithm: 'SHA256' }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'mp/single', PartNumber: 1, ChecksumMode: 'ENABLED' }),
    );
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
    assert.equal(got.PartsCount, 1);
    assert.equal(got.ChecksumSHA256, put.ChecksumSHA256);
    assert.equal(got.ChecksumType, 'FULL_OBJECT');
  });

  test('a repeated CompleteMultipartUpload answers 200 with the same result while the object is the one it made', async () => {
    const key = 'mp/retried';
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(99)];
    const { UploadId, completed } = await uploadParts(key, parts, { ChecksumAlgorithm: 'SHA256' });
    const complete = (list: CompletedPart[] = completed) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: list },
        }),
      );
    const first = await complete();
    const again = await complete();
    for (const field of ['ETag', 'ChecksumSHA256', 'ChecksumType', 'Bucket', 'Key', 'Location'] as const) {
      assert.equal(again[field], first[field], field);
    }
    assert.equal(again.$metadata.httpStatusCode, 200);
    // A different parts list is not the same request: the upload is still gone.
    await expectS3Error(complete(completed.slice(0, 1)), 'NoSuchUpload', 404);
    // Once the object is replaced, a repeat is NoSuchUpload again.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'new' }));
    await expectS3Error(complete(), 'NoSuchUpload', 404);
    // An unknown upload id at a key completed by another upload stays NoSuchUpload.
    await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: 'not-an-upload',
          MultipartUpload: { Parts: completed },
        }),
      ),
      'NoSuchUpload',
      404,
    );
  });

  test('two CompleteMultipartUpload requests at once both answer 200 with the same ETag', async () => {
    const key = 'mp/racing';
    const { UploadId, completed } = await uploadParts(key, [crypto.randomBytes(1000)]);
    const send = () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: completed },
        }),
      );
    const [a, b] = await Promise.all([send(), send()]);
    assert.equal(a.ETag, b.ETag);
    assert.equal(a.ChecksumCRC32, b.ChecksumCRC32);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(head.ETag, a.ETag);
  });

  test('parts must start at 1 and be consecutive, match their ETags, and be ≥ 5 MiB but the last', async () => {
    const { UploadId, completed } = await uploadParts('mp/bad', [
      crypto.randomBytes(5 * MiB),
      crypto.randomBytes(100),
      crypto.randomBytes(100),
    ]);
    const complete = (Parts: CompletedPart[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mp/bad',
          UploadId,
          MultipartUpload: { Parts },
        }),
      );
    await expectS3Error(complete([completed[0]!, completed[2]!]), 'InvalidPart', 400);
    await expectS3Error(complete([completed[1]!, completed[2]!]), 'InvalidPart', 400);
    await expectS3Error(complete([completed[1]!, completed[0]!]), 'InvalidPartOrder', 400);
    await expectS3Error(complete([{ ...completed[0]!, ETag: '"0123"' }]), 'InvalidPart', 400);
    await expectS3Error(complete(completed), 'EntityTooSmall', 400);
    await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mp/bad',
          UploadId,
          MpuObjectSize: 1,
          MultipartUpload: { Parts: completed.slice(0, 2) },
        }),
      ),
      'InvalidRequest',
      400,
    );
    // Nothing was created by the failed attempts, and the upload is still there.
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mp/bad' })), 'NotFound', 404);
    const ok = await complete(completed.slice(0, 2));
    assert.equal(ok.Key, 'mp/bad');
  });

  test('If-None-Match: * on completion refuses to replace an object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'mp/exists', Body: 'old' }));
    const { UploadId, completed } = await uploadParts('mp/exists', [Buffer.from('new')]);
    await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mp/exists',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: completed },
        }),
      ),
      'PreconditionFailed',
      412,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp/exists' }));
    assert.equal(await got.Body!.transformToString(), 'old');
  });

  test('abort removes the upload; its id is then NoSuchUpload', async () => {
    const { UploadId } = await uploadParts('mp/abort', [Buffer.from('x')]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/abort', UploadId }));
    await expectS3Error(
      s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp/abort', UploadId, PartNumber: 2, Body: 'y' })),
      'NoSuchUpload',
      404,
    );
    await expectS3Error(
      s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/abort', UploadId })),
      'NoSuchUpload',
      404,
    );
    await expectS3Error(
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'mp/abort',
          UploadId: 'made-up',
          PartNumber: 1,
          Body: 'y',
        }),
      ),
      'NoSuchUpload',
      404,
    );
  });

  test('part numbers outside 1..10000 are InvalidArgument; Content-MD5 is NotImplemented', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp/pn' }));
    for (const PartNumber of [0, 10001]) {
      await expectS3Error(
        s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp/pn', UploadId, PartNumber, Body: 'x' })),
        'InvalidArgument',
        400,
      );
    }
    await expectS3Error(
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'mp/pn',
          UploadId,
          PartNumber: 1,
          Body: 'x',
          ContentMD5: crypto.createHash('md5').update('x').digest('base64'),
        }),
      ),
      'NotImplemented',
      501,
    );
  });

  test('ListMultipartUploads pages with an opaque key-marker and rolls up directories', async () => {
    const ids: string[] = [];
    for (const key of ['lu/a/1', 'lu/a/2', 'lu/b', 'lu/c', 'lu/d/x']) {
      const out = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      ids.push(out.UploadId!);
    }
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await s3.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: 'lu/',
          Delimiter: '/',
          MaxUploads: 2,
          KeyMarker,
        }),
      );
      for (const u of res.Uploads ?? []) seen.push(u.Key!);
      for (const p of res.CommonPrefixes ?? []) seen.push(p.Prefix!);
      if (!res.IsTruncated) break;
      KeyMarker = res.NextKeyMarker;
    }
    assert.deepEqual(seen.sort(), ['lu/a/', 'lu/b', 'lu/c', 'lu/d/']);
    await expectS3Error(
      s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'lu' })),
      'InvalidRequest',
      400,
    );
    for (const [i, key] of ['lu/a/1', 'lu/a/2', 'lu/b', 'lu/c', 'lu/d/x'].entries()) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: ids[i] }));
    }
  });

  test('UploadPartCopy copies byte ranges of another object into parts', async () => {
    const source = crypto.randomBytes(6 * MiB + 77);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy/src', Body: source }));
    const ctl = t.controlClient(); // UploadPartCopy is IAM-signed in AWS
    const { UploadId } = await ctl.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'copy/dst' }),
    );
    const p1 = await ctl.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'copy/dst',
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/copy/src`,
        CopySourceRange: `bytes=0-${5 * MiB - 1}`,
      }),
    );
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'copy/dst',
        UploadId,
        PartNumber: 2,
        CopySource: `${bucket}/copy/src`,
        CopySourceRange: `bytes=${5 * MiB}-${6 * MiB + 76}`,
      }),
    );
    assert.match(p1.CopyPartResult?.ETag ?? '', /^"[0-9a-f]+"$/);
    await ctl.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'copy/dst',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.CopyPartResult!.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
          ],
        },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy/dst' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(source));
    const { UploadId: other } = await ctl.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'copy/bad' }),
    );
    await expectS3Error(
      ctl.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: 'copy/bad',
          UploadId: other,
          PartNumber: 1,
          CopySource: `${bucket}/copy/src`,
          CopySourceRange: `bytes=0-${7 * MiB}`,
        }),
      ),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      ctl.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: 'copy/bad',
          UploadId: other,
          PartNumber: 1,
          CopySource: `${bucket}/copy/none`,
        }),
      ),
      'NoSuchKey',
      404,
    );
  });

  test('@aws-sdk/lib-storage Upload works for multipart and single-part objects', async () => {
    for (const size of [17 * MiB + 5, 1000]) {
      const data = crypto.randomBytes(size);
      const upload = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: `lib/${size}`, Body: data },
        partSize: 5 * MiB,
        queueSize: 3,
      });
      await upload.done();
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `lib/${size}` }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data), `size ${size}`);
    }
  });
});
