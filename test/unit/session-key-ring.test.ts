import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { FileSessionKeyRing } from '../../src/auth/session-key-file.js';
import {
  MemorySessionKeyRing,
  newSessionKey,
  type SessionKey,
  type SessionKeyRing,
} from '../../src/auth/session-key-ring.js';
import { SessionTokenSealer, type SessionClaims } from '../../src/auth/session-token.js';

const CLAIMS: SessionClaims = {
  accountId: '111111111111',
  principalArn: 'arn:aws:iam::111111111111:root',
  bucket: 'photos--use1-az4--x-s3',
  bucketIncarnation: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  bucketOwnerAccountId: '111111111111',
  mode: 'ReadWrite',
  issuedAt: 1_700_000_000,
  expiresAt: 1_700_000_300,
  accessKeyId: 'ASIAEXAMPLE000000001',
  secretAccessKey: 'session-secret-0000000000000000000000000',
  encryption: { algorithm: 'AES256' },
};

test('a token whose claims do not name the bucket incarnation and owner does not open', () => {
  const key = newSessionKey();
  const sealer = new SessionTokenSealer(new MemorySessionKeyRing([key], key.id));
  for (const claim of ['bucketIncarnation', 'bucketOwnerAccountId'] as const) {
    const old = { ...CLAIMS, [claim]: undefined } as unknown as SessionClaims;
    assert.equal(sealer.open(sealer.seal(old)), undefined, claim);
  }
  assert.deepEqual(sealer.open(sealer.seal(CLAIMS)), CLAIMS);
});

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-keys-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const keyIdOf = (token: string): string => token.split('.')[1]!;

test('the key ring file is created 0600 on first open and reused afterwards', (t) => {
  const dataDir = path.join(tempDir(t), 'data');
  const first = FileSessionKeyRing.open(dataDir);
  const file = path.join(dataDir, 'session-keys.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const text = fs.readFileSync(file, 'utf8');
  const stored = JSON.parse(text) as {
    active: string;
    keys: { id: string; key: string; createdAt: string }[];
  };
  assert.equal(stored.keys.length, 1);
  assert.equal(stored.active, stored.keys[0]!.id);
  assert.match(stored.active, /^[0-9a-f]{8}$/);
  assert.equal(Buffer.from(stored.keys[0]!.key, 'base64').length, 32);
  assert.equal(first.activeKey().id, stored.active);

  const second = FileSessionKeyRing.open(dataDir);
  assert.equal(fs.readFileSync(file, 'utf8'), text, 'an existing ring is not rewritten');
  assert.equal(second.activeKey().id, first.activeKey().id);
  assert.ok(second.activeKey().key.equals(first.activeKey().key));
  assert.equal(second.keyById('00000000'), undefined);

  // Two processes on one data dir open each other's tokens.
  const token = new SessionTokenSealer(first).seal(CLAIMS);
  assert.deepEqual(new SessionTokenSealer(second).open(token), CLAIMS);
});

test('a key ring file whose active key is missing is refused', (t) => {
  const dataDir = tempDir(t);
  const key = {
    id: 'aaaaaaaa',
    key: Buffer.alloc(32, 1).toString('base64'),
    createdAt: '2026-01-01T00:00:00Z',
  };
  fs.writeFileSync(
    path.join(dataDir, 'session-keys.json'),
    JSON.stringify({ active: 'bbbbbbbb', keys: [key] }),
  );
  assert.throws(() => FileSessionKeyRing.open(dataDir), /session key ring: active key missing/);
});

test('a sealer on an in-memory ring opens tokens sealed by another sealer on the same ring', () => {
  const key = newSessionKey();
  const ring = new MemorySessionKeyRing([key], key.id);
  const token = new SessionTokenSealer(ring).seal(CLAIMS);
  assert.equal(keyIdOf(token), key.id);
  assert.deepEqual(new SessionTokenSealer(ring).open(token), CLAIMS);

  const other = newSessionKey();
  const stranger = new SessionTokenSealer(new MemorySessionKeyRing([other], other.id));
  assert.equal(stranger.open(token), undefined, 'another ring does not open it');
  // The same key id with other key bytes: the envelope does not authenticate.
  const impostor = { id: key.id, key: other.key };
  assert.equal(new SessionTokenSealer(new MemorySessionKeyRing([impostor], key.id)).open(token), undefined);
});

test('an in-memory ring refuses an active id it does not hold', () => {
  assert.throws(() => new MemorySessionKeyRing([newSessionKey()], 'ffffffff'), /active key missing/);
  assert.throws(() => new MemorySessionKeyRing([], ''), /active key missing/);
});

test('the sealer asks the ring on every seal and open, so a rotation takes effect at once', () => {
  const old = newSessionKey();
  const next = newSessionKey();
  const keys = new Map<string, SessionKey>([[old.id, old]]);
  let active = old;
  const ring: SessionKeyRing = { activeKey: () => active, keyById: (id) => keys.get(id) };
  const sealer = new SessionTokenSealer(ring);

  const before = sealer.seal(CLAIMS);
  keys.set(next.id, next);
  active = next;
  const after = sealer.seal(CLAIMS);
  assert.equal(keyIdOf(before), old.id);
  assert.equal(keyIdOf(after), next.id);
  assert.deepEqual(sealer.open(after), CLAIMS);
  // The old key still verifies while the ring holds it, in any sealer on the ring.
  assert.deepEqual(new SessionTokenSealer(ring).open(before), CLAIMS);
  keys.delete(old.id);
  assert.equal(new SessionTokenSealer(ring).open(before), undefined, 'a retired key opens nothing');
});
