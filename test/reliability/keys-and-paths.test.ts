/**
 * Keys never become paths: keys built to escape a directory (dot segments, encoded dots,
 * backslashes, NUL, control characters, names of Zonal's own files, 1,024-byte and Unicode
 * keys) round-trip exactly through the unmodified SDK, and the data directory afterwards holds
 * only Zonal's own files, while a sentinel directory beside it (the server's working
 * directory) stays empty.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startServerProcess, type ServerProcess } from '../helpers/cli-server.js';
import { INLINE_MAX_BYTES } from '../../src/storage/embedded.js';
import { blobInventory, unexpectedPaths, walk } from '../helpers/data-dir.js';
import {
  bodyBytes,
  PROCESS_ROOT_ENV,
  PROCESS_ROOT_KEY,
  processClients,
  type ProcessClients,
} from '../helpers/process-clients.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import { createBucketInput } from '../helpers/zonal-fixture.js';

const BUCKET = 'keys--use1-az4--x-s3';

/** Keys that try to be paths, or to break whatever turns them into one. */
const HOSTILE_KEYS: readonly string[] = [
  '..',
  '.',
  '...',
  '../..',
  '../x',
  '../../etc/passwd',
  '../../../../../../../../../../tmp/zonal-escape',
  'a/../../../../b',
  './x',
  'a/./b',
  'a//b',
  '//double-leading',
  '/leading',
  '/../../../root',
  '%2e%2e',
  '%2e%2e/%2e%2e/%2e%2e/escape',
  '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '..%5c..%5cwindows',
  '%252e%252e%252f',
  '..\\..\\..\\windows\\system32\\config',
  'C:\\Windows\\evil',
  '\\\\server\\share\\x',
  '~/.ssh/authorized_keys',
  '$HOME/${PATH}/`id`',
  'meta.sqlite3',
  'meta.sqlite3-wal',
  'root-credentials.json',
  'tmp/0123456789abcdef0123456789abcdef',
  'blobs/00/00000000000000000000000000000000',
  'blobs/../meta.sqlite3',
  '\u0000',
  'nul\u0000in/the\u0000middle',
  '../\u0000/../etc/passwd',
  'ctl\u0001\u0002\u0003\u0007\u0008\u001b\u001f\u007f',
  'tab\there',
  'new\nline',
  'cr\rlf\r\n',
  '\u0085next-line\u2028line-sep\u2029para-sep',
  'ключ/日本語/🎉.txt',
  'e\u0301', // NFD é: a different key from the NFC one below
  '\u00e9',
  '\u212b', // ANGSTROM SIGN, which NFC would turn into U+00C5
  '\u202e-right-to-left-override',
  '\ufeffbyte-order-mark',
  'zwj-👨‍👩‍👧',
  '\ufffd-replacement',
  'fullwidth-\uff0e\uff0e\uff0fdots', // ．．／ (fullwidth) look like ../
  '..\u2215..\u2215division-slash',
  'a'.repeat(1024),
  'é'.repeat(512), // 1,024 UTF-8 bytes
  '🎉'.repeat(256), // 1,024 UTF-8 bytes, 512 UTF-16 code units
  `${'../'.repeat(341)}x`, // 1,024 bytes of dot segments
];

/** RFC 3986 unreserved characters stay, everything else is %XX (SigV4's URI encoding). */
function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => awsEncode(decodeURIComponent(segment)))
    .join('/');
}

/** `key` + `suffix`, shortened (by whole characters) to S3's 1,024-byte limit. */
function withSuffix(key: string, suffix: string): string {
  const chars = [...key];
  while (Buffer.byteLength(chars.join('') + suffix) > 1024) chars.pop();
  return chars.join('') + suffix;
}

/**
 * Deterministic, distinct content per key. Every other body is larger than INLINE_MAX_BYTES,
 * so it becomes a blob file (the storage tier that touches paths); the others stay inline in
 * the metadata database.
 */
const isFileBody = (i: number): boolean => i % 2 === 0;
const bodyOf = (i: number): Buffer => {
  const text = `object ${i}: ${'x'.repeat(i * 7)}`;
  return isFileBody(i) ? Buffer.from(text.padEnd(INLINE_MAX_BYTES + 1 + i, '-')) : Buffer.from(text);
};
const FILE_BODIES = HOSTILE_KEYS.filter((_, i) => isFileBody(i)).length;

describe('keys never become paths', { timeout: 120_000 }, () => {
  let root: string;
  let dataDir: string;
  let sentinel: string;
  let server: ServerProcess;
  let clients: ProcessClients;
  let s3: S3Client;
  let passwdBefore: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-keys-'));
    dataDir = path.join(root, 'data');
    sentinel = path.join(root, 'sentinel');
    fs.mkdirSync(sentinel);
    passwdBefore = fs.readFileSync('/etc/passwd', 'utf8');
    // The sentinel is also the server's working directory: a key resolved as a relative path
    // would land there.
    server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV, {
      cwd: sentinel,
    });
    clients = processClients(server.endpoint);
    await clients.control().send(new CreateBucketCommand(createBucketInput(BUCKET)));
    s3 = clients.data({ maxAttempts: 3 });
  });

  after(async () => {
    clients?.destroy();
    await server?.stop('SIGTERM');
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('hostile keys round-trip exactly through PUT, HEAD, GET, LIST, COPY and DELETE', async () => {
    for (const key of HOSTILE_KEYS) {
      assert.ok(Buffer.byteLength(key) <= 1024, `test key too long: ${JSON.stringify(key)}`);
    }
    for (const [i, key] of HOSTILE_KEYS.entries()) {
      const body = bodyOf(i);
      try {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      } catch (err) {
        assert.fail(`PutObject ${JSON.stringify(key)}: ${(err as Error).name}: ${(err as Error).message}`);
      }
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.equal(head.ContentLength, body.length, JSON.stringify(key));
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.deepEqual(await bodyBytes(got.Body), body, `GetObject ${JSON.stringify(key)}`);
    }

    // The listing (url-encoded, as clients ask for keys XML cannot carry) returns each key once,
    // byte for byte.
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, EncodingType: 'url', ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) listed.push(decodeURIComponent(o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(new Set(listed), new Set(HOSTILE_KEYS));
    assert.equal(listed.length, HOSTILE_KEYS.length);

    // Copy each hostile key onto the next one: keys in x-amz-copy-source are decoded once, exactly.
    for (const [i, key] of HOSTILE_KEYS.entries()) {
      const target = withSuffix(HOSTILE_KEYS[(i + 1) % HOSTILE_KEYS.length]!, '.copy');
      await s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: target,
          CopySource: `${BUCKET}/${encodeURIComponent(key)}`,
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: target }));
      assert.deepEqual(await bodyBytes(got.Body), bodyOf(i), `copy of ${JSON.stringify(key)}`);
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: target }));
    }
  });

  test('a raw request with hostile bytes in the path addresses a key, never a file', async () => {
    const port = Number(new URL(server.endpoint).port);
    // SigV4 signs each path segment decoded and re-encoded once (as AWS does), whatever the
    // client's own encoding; the request then goes out with the raw path.
    const sendRaw = async (method: string, rawPath: string, body?: string) => {
      const signed = await signRequest(
        port,
        { method, path: canonicalPath(rawPath), ...(body !== undefined ? { body } : {}) },
        { credentials: PROCESS_ROOT_KEY, service: 's3express' },
      );
      signed.path = rawPath;
      return send(signed, port);
    };
    // Paths the SDK would never send: unencoded dot segments and backslashes, which an HTTP
    // stack might normalise, plus percent-encoded NUL and slashes.
    const cases: [string, string][] = [
      [`/${BUCKET}/../../etc/raw-passwd`, '../../etc/raw-passwd'],
      [`/${BUCKET}/./a/../b`, './a/../b'],
      [`/${BUCKET}/%2e%2e/%2E%2E/raw-escape`, '../../raw-escape'],
      [`/${BUCKET}/raw%00nul%2f..%2f..`, 'raw\u0000nul/../..'],
      [`/${BUCKET}/..%5C..%5Craw`, '..\\..\\raw'],
    ];
    for (const [rawPath, key] of cases) {
      const body = `raw ${key}`;
      const put = await sendRaw('PUT', rawPath, body);
      assert.equal(put.status, 200, `PUT ${rawPath}: ${put.body}`);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.equal(await got.Body!.transformToString(), body, rawPath);
      const deleted = await sendRaw('DELETE', rawPath);
      assert.equal(deleted.status, 204, `DELETE ${rawPath}: ${deleted.body}`);
    }
  });

  test('the data dir holds only Zonal files, one blob per object, and nothing leaked outside', async () => {
    assert.deepEqual(unexpectedPaths(dataDir), []);
    const { files } = walk(dataDir);
    const blobFiles = files.filter((f) => f.startsWith('blobs/'));
    assert.equal(blobFiles.length, FILE_BODIES, 'one blob file per object larger than INLINE_MAX_BYTES');
    const inventory = blobInventory(dataDir);
    assert.equal(inventory.objects, HOSTILE_KEYS.length);
    assert.equal(inventory.onDisk.size, HOSTILE_KEYS.length, 'one stored blob (file or inline) per object');
    assert.equal(inventory.inline, HOSTILE_KEYS.length - FILE_BODIES, 'the small bodies are inline');
    assert.deepEqual(inventory.orphans, []);
    assert.deepEqual(inventory.missing, []);
    assert.deepEqual(
      walk(dataDir).files.filter((f) => f.startsWith('tmp/')),
      [],
    );
    assert.deepEqual(fs.readdirSync(sentinel), [], 'nothing written in the working directory');
    assert.deepEqual(fs.readdirSync(root).sort(), ['data', 'sentinel']);
    assert.equal(fs.readFileSync('/etc/passwd', 'utf8'), passwdBefore);
    assert.ok(!fs.existsSync('/tmp/zonal-escape') && !fs.existsSync('/raw-escape'));

    // Deleting every key (DeleteObjects where XML can carry the key, DeleteObject otherwise)
    // leaves no blob behind.
    // XML 1.0 cannot carry C0/C1 control characters other than tab, LF and CR.
    const xmlSafe = HOSTILE_KEYS.filter(
      (k) =>
        ![...k].some((c) => {
          const n = c.codePointAt(0)!;
          return (n < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || (n >= 0x7f && n <= 0x9f);
        }),
    );
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: xmlSafe.map((Key) => ({ Key })) },
      }),
    );
    assert.deepEqual(result.Errors ?? [], []);
    assert.deepEqual(new Set((result.Deleted ?? []).map((d) => d.Key)), new Set(xmlSafe));
    for (const key of HOSTILE_KEYS.filter((k) => !xmlSafe.includes(k))) {
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    }
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    assert.equal(rest.KeyCount, 0);
    assert.deepEqual(
      walk(dataDir).files.filter((f) => f.startsWith('blobs/') || f.startsWith('tmp/')),
      [],
    );
    const emptied = blobInventory(dataDir);
    assert.deepEqual([emptied.objects, emptied.onDisk.size], [0, 0], 'no blob of either tier is left');
    assert.deepEqual(unexpectedPaths(dataDir), []);
  });
});
