/**
 * The soak's ReadOnly-session reader: reads a fixed set of objects written before the load
 * and checks them, and now and then tries to write, which its session must refuse.
 */
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { checkGet, checkHead, checkList, checkRange, type StoredObject } from './object-worker.js';
import type { Random } from './random.js';
import type { Tally } from './tally.js';

type ReaderOperation = 'readonlyGet' | 'readonlyRange' | 'readonlyHead' | 'readonlyList' | 'readonlyWrite';

const MIX: readonly (readonly [ReaderOperation, number])[] = [
  ['readonlyGet', 10],
  ['readonlyRange', 10],
  ['readonlyHead', 5],
  ['readonlyList', 2],
  ['readonlyWrite', 1],
];

export class ReaderWorker {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly objects: ReadonlyMap<string, StoredObject>,
    private readonly rng: Random,
    private readonly tally: Tally,
  ) {}

  async step(): Promise<void> {
    const op = this.rng.weighted(MIX);
    await this.tally.run(op, () => this[op]());
  }

  private pick(): [string, StoredObject] {
    const key = this.rng.pick([...this.objects.keys()]);
    return [key, this.objects.get(key)!];
  }

  private readonlyGet(): Promise<void> {
    return checkGet(this.s3, this.bucket, ...this.pick());
  }

  private readonlyRange(): Promise<void> {
    const [key, o] = this.pick();
    return o.size === 0
      ? checkGet(this.s3, this.bucket, key, o)
      : checkRange(this.s3, this.bucket, key, o, this.rng);
  }

  private readonlyHead(): Promise<void> {
    return checkHead(this.s3, this.bucket, ...this.pick());
  }

  private readonlyList(): Promise<void> {
    return checkList(this.s3, this.bucket, this.prefix, this.objects, this.rng);
  }

  private async readonlyWrite(): Promise<void> {
    const [key] = this.pick();
    await this.tally.mistake(
      'readonly-put',
      this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'not allowed' })),
      'AccessDenied',
      403,
    );
    await this.tally.mistake(
      'readonly-delete',
      this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
      'AccessDenied',
      403,
    );
  }
}
