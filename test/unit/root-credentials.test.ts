import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { FileRootCredentials } from '../../src/auth/root-credentials-file.js';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-root-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fileOf = (dataDir: string): string => path.join(dataDir, 'root-credentials.json');
const readStored = (dataDir: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(fileOf(dataDir), 'utf8')) as Record<string, string>;

test('without environment keys the pair is generated once, kept 0600 and reused', (t) => {
  const dataDir = tempDir(t);
  const first = new FileRootCredentials(dataDir, {}).load();
  assert.equal(first.generated, true);
  assert.equal(first.fromEnvironment, false);
  const { identity } = first;
  assert.match(identity.accountId, /^\d{12}$/);
  assert.equal(identity.arn, `arn:aws:iam::${identity.accountId}:root`);
  assert.equal(identity.isRoot, true);
  assert.equal(fs.statSync(fileOf(dataDir)).mode & 0o777, 0o600);
  assert.deepEqual(readStored(dataDir), {
    accountId: identity.accountId,
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
  });

  const text = fs.readFileSync(fileOf(dataDir), 'utf8');
  const second = new FileRootCredentials(dataDir, {}).load();
  assert.equal(second.generated, false);
  assert.deepEqual(second.identity, identity);
  assert.equal(fs.readFileSync(fileOf(dataDir), 'utf8'), text, 'an unchanged file is not rewritten');
});

test('environment keys win and are never written; the account id is', (t) => {
  const dataDir = tempDir(t);
  const generated = new FileRootCredentials(dataDir, {}).load().identity;
  const env = {
    ZONAL_ROOT_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT1',
    ZONAL_ROOT_SECRET_ACCESS_KEY: 'secret-from-the-environment-000000000000',
  };
  const root = new FileRootCredentials(dataDir, env).load();
  assert.equal(root.fromEnvironment, true);
  assert.equal(root.generated, false);
  assert.equal(root.identity.accessKeyId, env.ZONAL_ROOT_ACCESS_KEY_ID);
  assert.equal(root.identity.secretAccessKey, env.ZONAL_ROOT_SECRET_ACCESS_KEY);
  assert.equal(root.identity.accountId, generated.accountId, 'the stored account id is kept');
  assert.ok(!fs.readFileSync(fileOf(dataDir), 'utf8').includes(env.ZONAL_ROOT_SECRET_ACCESS_KEY));

  const fresh = tempDir(t);
  const withAccount = new FileRootCredentials(fresh, { ...env, ZONAL_ACCOUNT_ID: '123456789012' }).load();
  assert.equal(withAccount.identity.accountId, '123456789012');
  assert.deepEqual(readStored(fresh), { accountId: '123456789012' });
  assert.equal(fs.statSync(fileOf(fresh)).mode & 0o777, 0o600);
});

test('half a key pair in the environment, or a malformed account id, is refused', (t) => {
  const dataDir = tempDir(t);
  assert.throws(
    () => new FileRootCredentials(dataDir, { ZONAL_ROOT_ACCESS_KEY_ID: 'AKIAONLYTHEKEYID0001' }).load(),
    /Set both ZONAL_ROOT_ACCESS_KEY_ID and ZONAL_ROOT_SECRET_ACCESS_KEY, or neither\./,
  );
  assert.throws(
    () => new FileRootCredentials(dataDir, { ZONAL_ACCOUNT_ID: '12345' }).load(),
    /ZONAL_ACCOUNT_ID must be 12 digits\./,
  );
  assert.equal(fs.existsSync(fileOf(dataDir)), false, 'nothing is written for a refused start');
});
