/**
 * Errors on uploads reach the client as S3 errors, not as resets: `Expect: 100-continue` is
 * answered with the final status when the request is refused from its head (the client then
 * never sends its body), and a body already in flight is read and dropped before the error,
 * on a connection that stays open (src/http/unread-body.ts).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { DRAIN_MAX_BYTES } from '../../src/http/unread-body.js';
import { RawConnection, serializeRequest, type RawHttpResponse } from '../helpers/raw-http.js';
import { signRequest } from '../helpers/raw-signing.js';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const WAIT_MS = 10_000;
const codeOf = (res: RawHttpResponse): string | undefined =>
  /<Code>([^<]*)<\/Code>/.exec(res.body.toString('utf8'))?.[1];

describe('errors on uploads', () => {
  let t: TestZonal;
  let port: number;
  let bucket: string;

  before(async () => {
    t = await startTestZonal();
    port = t.zonal.port;
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  /** The signed head of a PUT of `size` bytes (UNSIGNED-PAYLOAD), with extra headers. */
  async function putHead(key: string, size: number, headers: Record<string, string>): Promise<Buffer> {
    const path = `/${bucket}/${key}`;
    const all = { 'content-length': String(size), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers };
    const signed = await signRequest(port, { method: 'PUT', path, headers: all }, { credentials: ROOT_KEY });
    return serializeRequest('PUT', path, Object.entries(signed.headers), Buffer.alloc(0));
  }

  test('Expect: 100-continue refused from its head: the final status, no 100 Continue, and no body needed', async () => {
    const conn = await RawConnection.open(port);
    const chunks: Buffer[] = [];
    // Sees every byte, to prove that no `100 Continue` came before the error.
    const socket = (conn as unknown as { socket: import('node:net').Socket }).socket;
    socket.on('data', (d: Buffer) => chunks.push(d));
    conn.write(await putHead('refused', 1 << 20, { expect: '100-continue', 'x-amz-acl': 'public-read' }));
    const res = await conn.readResponse(false, WAIT_MS);
    assert.equal(res.status, 501, res.body.toString('utf8'));
    assert.equal(codeOf(res), 'NotImplemented');
    assert.ok(!Buffer.concat(chunks).toString('latin1').includes('100 Continue'), 'no 100 Continue sent');
    assert.ok(res.closes, 'the connection is closed: the body was never sent');
    assert.ok(await conn.waitClosed(WAIT_MS));
  });

  test('Expect: 100-continue accepted: 100 Continue once the handler reads, then 200', async () => {
    const conn = await RawConnection.open(port);
    const chunks: Buffer[] = [];
    const socket = (conn as unknown as { socket: import('node:net').Socket }).socket;
    socket.on('data', (d: Buffer) => chunks.push(d));
    const body = crypto.randomBytes(100_000);
    conn.write(await putHead('accepted', body.length, { expect: '100-continue' }));
    // readResponse skips 1xx: nothing final may come before the body is sent.
    const first = await conn.readResponse(false, 300).catch(() => undefined);
    assert.equal(first, undefined, 'no final answer before the body');
    assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 100 Continue\r\n/);
    conn.write(body);
    const res = await conn.readResponse(false, WAIT_MS);
    assert.equal(res.status, 200, res.body.toString('utf8'));
    assert.equal(res.closes, false);
  });

  test('a body already sent is read and dropped: the error, then the connection serves the next request', async () => {
    const conn = await RawConnection.open(port);
    const body = crypto.randomBytes(4 << 20);
    conn.write(
      Buffer.concat([await putHead('in-flight', body.length, { 'x-amz-acl': 'public-read' }), body]),
    );
    const res = await conn.readResponse(false, WAIT_MS);
    assert.deepEqual([res.status, codeOf(res), res.closes], [501, 'NotImplemented', false]);
    // The same connection: a write that works.
    conn.write(Buffer.concat([await putHead('after', 3, {}), Buffer.from('abc')]));
    const next = await conn.readResponse(false, WAIT_MS);
    assert.equal(next.status, 200, next.body.toString('utf8'));
  });

  test('a failure found while reading (bad write offset) still answers on a connection that stays open', async () => {
    const conn = await RawConnection.open(port);
    const body = crypto.randomBytes(1 << 20);
    conn.write(
      Buffer.concat([await putHead('offset', body.length, { 'x-amz-write-offset-bytes': '7' }), body]),
    );
    const res = await conn.readResponse(false, WAIT_MS);
    assert.equal(res.status, 400, res.body.toString('utf8'));
    assert.equal(res.closes, false);
  });

  test('a declared body larger than the drain bound is not read: the error, then the connection closes', async () => {
    const conn = await RawConnection.open(port);
    conn.write(await putHead('huge', DRAIN_MAX_BYTES + 1, { 'x-amz-acl': 'public-read' }));
    const res = await conn.readResponse(false, WAIT_MS);
    assert.deepEqual([res.status, res.closes], [501, true]);
  });
});
