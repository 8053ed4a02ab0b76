/**
 * Client mistakes the SDK never makes, sent as raw signed requests, each on a fresh
 * connection (so the soak also opens and closes connections all the time): every one must
 * get the S3 error AWS gives, and none may change anything.
 */
import assert from 'node:assert/strict';
import { HttpRequest } from '@smithy/core/protocols';
import { crc32Base64 } from '../helpers/process-clients.js';
import {
  send,
  signRequest,
  type RawRequest,
  type RawResponse,
  type SigningOptions,
} from '../helpers/raw-signing.js';
import type { SessionCredentials } from '../../src/client/index.js';
import type { Random } from './random.js';
import type { Tally } from './tally.js';

interface Mistake {
  name: string;
  code: string;
  status: number;
  /** Undefined when the mistake cannot be made yet (the old session has not expired). */
  send(): Promise<RawResponse> | undefined;
}

export class RawMistakes {
  private readonly mistakes: Mistake[];
  private sequence = 0;

  /**
   * `existingKey` is an object in `bucket` that stays; `oldSession` are session credentials
   * created before the load, used once they have expired.
   */
  constructor(
    private readonly port: number,
    private readonly bucket: string,
    existingKey: string,
    private readonly root: { accessKeyId: string; secretAccessKey: string },
    private readonly oldSession: SessionCredentials,
    private readonly rng: Random,
    private readonly tally: Tally,
  ) {
    const get: RawRequest = { method: 'GET', path: `/${bucket}/${existingKey}` };
    this.mistakes = [
      {
        name: 'raw-wrong-secret',
        code: 'SignatureDoesNotMatch',
        status: 403,
        send: () => this.signed(get, { credentials: { ...root, secretAccessKey: 'not-the-secret' } }),
      },
      {
        name: 'raw-unknown-key',
        code: 'InvalidAccessKeyId',
        status: 403,
        send: () =>
          this.signed(get, { credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' } }),
      },
      {
        name: 'raw-anonymous',
        code: 'AccessDenied',
        status: 403,
        send: () =>
          send(
            new HttpRequest({
              method: 'GET',
              protocol: 'http:',
              hostname: '127.0.0.1',
              port,
              path: get.path,
              headers: { host: `127.0.0.1:${port}` },
            }),
            port,
          ),
      },
      {
        name: 'raw-no-such-bucket',
        code: 'NoSuchBucket',
        status: 404,
        send: () => this.signed({ method: 'GET', path: '/nosuchbucket--use1-az4--x-s3/k' }),
      },
      {
        name: 'raw-malformed-delete',
        code: 'MalformedXML',
        status: 400,
        send: () => {
          const body = `<Delete><Object><Key>${existingKey}</Key></Object>`;
          return this.signed({
            method: 'POST',
            path: `/${bucket}/`,
            query: { delete: '' },
            headers: { 'x-amz-checksum-crc32': crc32Base64(Buffer.from(body)) },
            body,
          });
        },
      },
      {
        name: 'raw-expired-session',
        code: 'ExpiredToken',
        status: 400,
        send: () => {
          // One second of margin for the server's clock, which expiry is judged by.
          if (Date.now() < this.oldSession.Expiration.getTime() + 1000) return undefined;
          const { AccessKeyId, SecretAccessKey, SessionToken } = this.oldSession;
          return this.signed(get, {
            credentials: {
              accessKeyId: AccessKeyId,
              secretAccessKey: SecretAccessKey,
              sessionToken: SessionToken,
            },
          });
        },
      },
    ];
  }

  private async signed(request: RawRequest, options?: SigningOptions): Promise<RawResponse> {
    return send(await signRequest(this.port, request, options ?? { credentials: this.root }), this.port);
  }

  /** Sends one mistake (a random one) and checks the answer. */
  async step(): Promise<void> {
    this.sequence += 1;
    const index = this.rng.int(this.mistakes.length + 1);
    if (index === this.mistakes.length) {
      await this.tally.run('raw-tampered-body', () => this.tamperedBody());
      return;
    }
    const mistake = this.mistakes[index]!;
    const pending = mistake.send();
    if (pending === undefined) return;
    await this.tally.run(mistake.name, async () => {
      const res = await pending;
      assert.equal(
        `${res.code}/${res.status}`,
        `${mistake.code}/${mistake.status}`,
        `${mistake.name}: ${res.body}`,
      );
      this.tally.expectedError(mistake.name, mistake.code, mistake.status);
    });
  }

  /** A body that is not the one signed: refused, and nothing stored. */
  private async tamperedBody(): Promise<void> {
    // A fresh key each time: it must never exist.
    const key = `raw/tampered-${this.sequence}`;
    const signed = await signRequest(
      this.port,
      { method: 'PUT', path: `/${this.bucket}/${key}`, body: 'the signed body' },
      { credentials: this.root },
    );
    signed.body = 'another body of...';
    const res = await send(signed, this.port);
    assert.equal(`${res.code}/${res.status}`, 'XAmzContentSHA256Mismatch/400', res.body);
    this.tally.expectedError('raw-tampered-body', 'XAmzContentSHA256Mismatch', 400);
    const head = await this.signed({ method: 'HEAD', path: `/${this.bucket}/${key}` });
    assert.equal(head.status, 404, `the refused PUT of ${key} stored something`);
  }
}
