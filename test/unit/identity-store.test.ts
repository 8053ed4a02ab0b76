import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IamIdentity } from '../../src/auth/credentials.js';
import { IdentityError } from '../../src/identity/identity-error.js';
import { IdentityStore, type IdentityStoreOptions } from '../../src/identity/identity-store.js';
import type { IdentitiesFile } from '../../src/identity/types.js';

const DEFAULT_ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const ROOT: IamIdentity = {
  accountId: DEFAULT_ACCOUNT,
  accessKeyId: 'AKIAROOTROOTROOTROOT',
  secretAccessKey: 'root-secret-000000000000000000000000000000',
  arn: `arn:aws:iam::${DEFAULT_ACCOUNT}:root`,
  isRoot: true,
};
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

const key = (id: string, extra: Record<string, unknown> = {}) => ({
  accessKeyId: id,
  secretAccessKey: `secret-${id}`.padEnd(40, '0'),
  ...extra,
});

function sample(): IdentitiesFile {
  return {
    accounts: [
      {
        id: DEFAULT_ACCOUNT,
        users: [
          {
            name: 'alice',
            accessKeys: [key('AKIAALICE00000000001'), key('AKIAALICE00000000002', { status: 'Inactive' })],
            policies: { All: ALLOW_ALL },
          },
        ],
      },
      {
        id: OTHER_ACCOUNT,
        rootAccessKeys: [key('AKIAOTHERROOT0000001')],
        users: [
          {
            name: 'bob',
            path: '/ops/',
            userId: 'AIDABOBBOBBOBBOBBOBBO',
            accessKeys: [key('AKIABOB0000000000001')],
          },
        ],
      },
    ],
  };
}

function tempFile(t: TestContext, content?: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-ids-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'iam.json');
  if (content !== undefined) {
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return file;
}

function open(t: TestContext, file: string, extra: Partial<IdentityStoreOptions> = {}): IdentityStore {
  const store = IdentityStore.open({ file, defaultRoot: ROOT, watch: false, ...extra });
  t.after(() => store.close());
  return store;
}

/** Polls until `check` holds (the watcher is asynchronous). */
async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

/** Replaces the file the way editors do: write a new file, rename it over the old one. */
function renameReplace(file: string, content: unknown): void {
  const tmp = `${file}.editor-tmp`;
  fs.writeFileSync(tmp, JSON.stringify(content, null, 2));
  fs.renameSync(tmp, file);
}

const isIdentityError =
  (code: string) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof IdentityError, `expected IdentityError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };

test('a missing file means only the default account and its root', (t) => {
  const file = tempFile(t);
  const store = open(t, file);
  assert.deepEqual(store.accountIds(), [DEFAULT_ACCOUNT]);
  assert.equal(store.lookup(ROOT.accessKeyId), ROOT);
  assert.equal(store.lookup('AKIANOBODY0000000000'), undefined);
  assert.deepEqual(store.policiesOf(ROOT), []);
  assert.deepEqual(store.listUsers(DEFAULT_ACCOUNT), []);
  assert.equal(fs.existsSync(file), false, 'nothing is written until something changes');
});

test('users, keys and policies load; lookups return identities for Active keys only', (t) => {
  const store = open(t, tempFile(t, sample()));
  assert.deepEqual([...store.accountIds()].sort(), [DEFAULT_ACCOUNT, OTHER_ACCOUNT]);

  const alice = store.lookup('AKIAALICE00000000001')!;
  assert.equal(alice.accountId, DEFAULT_ACCOUNT);
  assert.equal(alice.arn, `arn:aws:iam::${DEFAULT_ACCOUNT}:user/alice`);
  assert.equal(alice.isRoot, false);
  assert.equal(alice.userName, 'alice');
  assert.match(alice.userId!, /^AIDA[A-Z2-7]{17}$/);
  assert.equal(alice.secretAccessKey, key('AKIAALICE00000000001').secretAccessKey);
  assert.equal(store.lookup('AKIAALICE00000000002'), undefined, 'Inactive keys do not authenticate');

  const bob = store.lookup('AKIABOB0000000000001')!;
  assert.equal(bob.arn, `arn:aws:iam::${OTHER_ACCOUNT}:user/ops/bob`);
  assert.equal(bob.userId, 'AIDABOBBOBBOBBOBBOBBO');
  const otherRoot = store.lookup('AKIAOTHERROOT0000001')!;
  assert.deepEqual(
    { arn: otherRoot.arn, isRoot: otherRoot.isRoot, accountId: otherRoot.accountId },
    { arn: `arn:aws:iam::${OTHER_ACCOUNT}:root`, isRoot: true, accountId: OTHER_ACCOUNT },
  );
  assert.equal(store.lookup(ROOT.accessKeyId), ROOT, 'the default root is always there');

  const policies = store.policiesOf(alice);
  assert.equal(policies.length, 1);
  assert.equal(policies[0]!.source, 'user alice policy All');
  assert.deepEqual(policies[0]!.document, ALLOW_ALL);
  assert.equal(policies[0]!.policy.statements[0]!.effect, 'Allow');
  assert.deepEqual(store.policiesOf(bob), []);
  assert.deepEqual(store.policiesOf(otherRoot), []);

  const info = store.getUser(DEFAULT_ACCOUNT, 'ALICE')!;
  assert.equal(info.name, 'alice');
  assert.equal(info.path, '/');
  assert.deepEqual(
    info.accessKeys.map((k) => [k.accessKeyId, k.status]),
    [
      ['AKIAALICE00000000001', 'Active'],
      ['AKIAALICE00000000002', 'Inactive'],
    ],
  );
  assert.deepEqual(info.policyNames, ['All']);
  assert.equal(store.getUser(OTHER_ACCOUNT, 'alice'), undefined, 'users belong to one account');
  assert.equal(JSON.stringify(info).includes('secret'), false, 'UserInfo carries no secrets');
});

test('generated user ids and dates are written back and stay stable', (t) => {
  const file = tempFile(t, sample());
  const first = open(t, file);
  const id = first.getUser(DEFAULT_ACCOUNT, 'alice')!.userId;
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as IdentitiesFile;
  assert.equal(written.accounts[0]!.users![0]!.userId, id);
  assert.ok(written.accounts[0]!.users![0]!.createDate);
  assert.ok(written.accounts[0]!.users![0]!.accessKeys![0]!.createDate);
  first.close();
  const again = open(t, file);
  assert.equal(again.getUser(DEFAULT_ACCOUNT, 'alice')!.userId, id);
});

test('invalid files are refused with a message naming the file and the problem', (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['{"accounts": [', /is not valid JSON$/],
    ['{"accounts": [\n {"secretAccessKey": "SUPERSECRET" x}]}', /is not valid JSON at line 2, column \d+$/],
    [[], /must hold a JSON object/],
    [{}, /"accounts" must be an array/],
    [{ accounts: [{ id: '123' }] }, /accounts\[0\]\.id "123" is not a 12-digit account id/],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT }, { id: DEFAULT_ACCOUNT }] },
      /accounts\[1\]\.id .* duplicates accounts\[0\]/,
    ],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'bad name' }] }] },
      /accounts\[0\]\.users\[0\]\.name "bad name" is not a valid IAM user name/,
    ],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'x'.repeat(65) }] }] },
      /is not a valid IAM user name/,
    ],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'Ann' }, { name: 'ann' }] }] },
      /users\[1\]\.name "ann" duplicates accounts\[0\]\.users\[0\] \(names ignore case\)/,
    ],
    [
      {
        accounts: [
          { id: DEFAULT_ACCOUNT, users: [{ name: 'a', accessKeys: [key('AKIADUPLICATE0000001')] }] },
          { id: OTHER_ACCOUNT, rootAccessKeys: [key('AKIADUPLICATE0000001')] },
        ],
      },
      /accounts\[1\]\.rootAccessKeys\[0\]\.accessKeyId "AKIADUPLICATE0000001" is already used by accounts\[0\]\.users\[0\]\.accessKeys\[0\]/,
    ],
    [
      { accounts: [{ id: OTHER_ACCOUNT, rootAccessKeys: [key(ROOT.accessKeyId)] }] },
      /is already used by the root credentials of account 111111111111/,
    ],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'a', policies: { P: 'Allow *' } }] }] },
      /users\[0\]\.policies\["P"\] must be a policy document \(an object\)/,
    ],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'a', policies: { P: { Statement: [] } } }] }] },
      /user a policy P is not a valid identity policy: Policy Statement must not be empty/,
    ],
    [
      {
        accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'a', accessKeys: [{ accessKeyId: 'AKIAX/Y' }] }] }],
      },
      /accessKeys\[0\]\.accessKeyId must be/,
    ],
    [
      {
        accounts: [
          { id: DEFAULT_ACCOUNT, users: [{ name: 'a', accessKeys: [key('AKIAOK', { status: 'On' })] }] },
        ],
      },
      /accessKeys\[0\]\.status must be "Active" or "Inactive"/,
    ],
    [
      { accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'a', path: 'x' }] }] },
      /users\[0\]\.path "x" is not an IAM path/,
    ],
  ];
  for (const [content, message] of cases) {
    const file = tempFile(t, content);
    assert.throws(
      () => IdentityStore.open({ file, defaultRoot: ROOT, watch: false }),
      (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`identities file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
        );
        assert.match(err.message, message);
        assert.ok(!err.message.includes('SUPERSECRET'), 'the message never quotes the file');
        return true;
      },
      `expected ${message} for ${JSON.stringify(content)}`,
    );
  }
});

test('unknown properties are kept when the store writes the file', (t) => {
  const content = {
    comment: 'kept',
    accounts: [{ id: DEFAULT_ACCOUNT, users: [{ name: 'a', note: 'me too' }] }],
  };
  const file = tempFile(t, content);
  const store = open(t, file);
  store.createUser(DEFAULT_ACCOUNT, 'b');
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & IdentitiesFile;
  assert.equal(written.comment, 'kept');
  assert.equal((written.accounts[0]!.users![0] as unknown as Record<string, unknown>).note, 'me too');
});

test('mutations persist atomically (0600) and survive a reopen', (t) => {
  const file = tempFile(t);
  const store = open(t, file);
  const user = store.createUser(DEFAULT_ACCOUNT, 'carol', '/eng/');
  assert.equal(user.arn, `arn:aws:iam::${DEFAULT_ACCOUNT}:user/eng/carol`);
  assert.match(user.userId, /^AIDA[A-Z2-7]{17}$/);
  const k = store.createAccessKey(DEFAULT_ACCOUNT, 'carol');
  assert.match(k.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(k.secretAccessKey.length, 40);
  assert.equal(store.lookup(k.accessKeyId)?.userId, user.userId);
  store.putUserPolicy(DEFAULT_ACCOUNT, 'carol', 'All', ALLOW_ALL);
  store.createUser(DEFAULT_ACCOUNT, 'dave');
  store.createUser(OTHER_ACCOUNT, 'erin');
  assert.deepEqual([...store.accountIds()].sort(), [DEFAULT_ACCOUNT, OTHER_ACCOUNT]);

  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(
    fs.readdirSync(path.dirname(file)).filter((n) => n.endsWith('.tmp')),
    [],
    'no temp files are left behind',
  );
  const written = fs.readFileSync(file, 'utf8');
  assert.ok(!written.includes(ROOT.secretAccessKey), 'the default root key is never written to the file');

  const reopened = open(t, file);
  assert.deepEqual(reopened.getUser(DEFAULT_ACCOUNT, 'carol'), store.getUser(DEFAULT_ACCOUNT, 'carol'));
  assert.deepEqual(reopened.lookup(k.accessKeyId), store.lookup(k.accessKeyId));
  assert.deepEqual(reopened.userPolicy(DEFAULT_ACCOUNT, 'carol', 'All'), ALLOW_ALL);
  assert.deepEqual(
    reopened.listUsers(DEFAULT_ACCOUNT).map((u) => u.name),
    ['carol', 'dave'],
  );
  assert.deepEqual(
    reopened.listUsers(OTHER_ACCOUNT).map((u) => u.arn),
    [`arn:aws:iam::${OTHER_ACCOUNT}:user/erin`],
  );

  // Deactivate, delete, and the reopened store agrees again.
  store.updateAccessKey(DEFAULT_ACCOUNT, 'carol', k.accessKeyId, 'Inactive');
  assert.equal(store.lookup(k.accessKeyId), undefined);
  store.deleteAccessKey(DEFAULT_ACCOUNT, 'carol', k.accessKeyId);
  store.deleteUserPolicy(DEFAULT_ACCOUNT, 'carol', 'All');
  store.deleteUser(DEFAULT_ACCOUNT, 'carol');
  const third = open(t, file);
  assert.equal(third.getUser(DEFAULT_ACCOUNT, 'carol'), undefined);
  assert.equal(third.lookup(k.accessKeyId), undefined);
});

test('mutations enforce IAM rules', (t) => {
  const store = open(t, tempFile(t, sample()));
  assert.throws(() => store.createUser(DEFAULT_ACCOUNT, 'ALICE'), isIdentityError('EntityAlreadyExists'));
  assert.throws(() => store.createAccessKey(DEFAULT_ACCOUNT, 'alice'), isIdentityError('LimitExceeded'));
  assert.throws(() => store.deleteUser(DEFAULT_ACCOUNT, 'alice'), isIdentityError('DeleteConflict'));
  assert.throws(() => store.deleteUser(DEFAULT_ACCOUNT, 'nobody'), isIdentityError('NoSuchEntity'));
  assert.throws(
    () => store.deleteAccessKey(DEFAULT_ACCOUNT, 'alice', 'AKIABOB0000000000001'),
    isIdentityError('NoSuchEntity'),
    "another user's key is not found",
  );
  assert.throws(() => store.userPolicy(DEFAULT_ACCOUNT, 'alice', 'Nope'), isIdentityError('NoSuchEntity'));
  const big = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: 'x'.repeat(2100) }],
  };
  assert.throws(
    () => store.putUserPolicy(DEFAULT_ACCOUNT, 'alice', 'Big', big),
    isIdentityError('LimitExceeded'),
  );
  assert.deepEqual(
    store.getUser(DEFAULT_ACCOUNT, 'alice')!.policyNames,
    ['All'],
    'a refused change changes nothing',
  );
});

test('a re-created user is another principal: old identities lose its policies', (t) => {
  const store = open(t, tempFile(t));
  store.createUser(DEFAULT_ACCOUNT, 'frank');
  const k = store.createAccessKey(DEFAULT_ACCOUNT, 'frank');
  store.putUserPolicy(DEFAULT_ACCOUNT, 'frank', 'All', ALLOW_ALL);
  const old = store.lookup(k.accessKeyId)!;
  assert.equal(store.policiesOf(old).length, 1);
  store.deleteAccessKey(DEFAULT_ACCOUNT, 'frank', k.accessKeyId);
  store.deleteUserPolicy(DEFAULT_ACCOUNT, 'frank', 'All');
  store.deleteUser(DEFAULT_ACCOUNT, 'frank');
  store.createUser(DEFAULT_ACCOUNT, 'frank');
  store.putUserPolicy(DEFAULT_ACCOUNT, 'frank', 'All', ALLOW_ALL);
  assert.deepEqual(store.policiesOf(old), []);
});

test('the watcher picks up external edits, including rename-replace, and ignores broken ones', async (t) => {
  const file = tempFile(t, sample());
  const warnings: string[] = [];
  const store = open(t, file, { watch: true, watchIntervalMs: 20, onWarning: (m) => warnings.push(m) });
  assert.equal(store.lookup('AKIANEWKEY0000000001'), undefined);

  const edited = JSON.parse(fs.readFileSync(file, 'utf8')) as IdentitiesFile;
  edited.accounts[0]!.users!.push({ name: 'gina', accessKeys: [key('AKIANEWKEY0000000001')] });
  renameReplace(file, edited);
  await eventually(() => store.lookup('AKIANEWKEY0000000001') !== undefined, 'the new key');
  assert.equal(store.lookup('AKIANEWKEY0000000001')!.userName, 'gina');
  // gina's generated id was written back and is stable.
  const ginaId = store.getUser(DEFAULT_ACCOUNT, 'gina')!.userId;
  await eventually(() => fs.readFileSync(file, 'utf8').includes(ginaId), 'gina written back');

  // A broken file keeps the previous identities and warns.
  fs.writeFileSync(file, '{"accounts": [ {"id": "nope"} ]}');
  await eventually(() => warnings.length > 0, 'a warning');
  assert.match(warnings[0]!, /is not valid, keeping the previous identities: accounts\[0\]\.id "nope"/);
  assert.equal(store.lookup('AKIANEWKEY0000000001')?.userName, 'gina');
  assert.ok(!warnings.some((w) => w.includes('secret')), 'warnings never carry secrets');

  // While the file on disk is broken, the API refuses to overwrite it.
  assert.throws(() => store.createUser(DEFAULT_ACCOUNT, 'blocked'), isIdentityError('ServiceFailure'));
  assert.equal(fs.readFileSync(file, 'utf8'), '{"accounts": [ {"id": "nope"} ]}');

  // Fixed by the user: picked up, the edit's removal of gina included.
  const fixed = sample();
  renameReplace(file, fixed);
  await eventually(() => store.lookup('AKIANEWKEY0000000001') === undefined, 'gina removed');
  assert.ok(store.lookup('AKIAALICE00000000001'));
});

test("the store's own writes are not mistaken for external changes", async (t) => {
  const file = tempFile(t, sample());
  const warnings: string[] = [];
  const store = open(t, file, { watch: true, watchIntervalMs: 20, onWarning: (m) => warnings.push(m) });
  const created: string[] = [];
  for (let i = 0; i < 10; i++) {
    store.createUser(DEFAULT_ACCOUNT, `user${i}`);
    created.push(store.createAccessKey(DEFAULT_ACCOUNT, `user${i}`).accessKeyId);
    await sleep(7);
  }
  await sleep(100);
  for (const id of created) assert.ok(store.lookup(id), `key ${id} is still there`);
  assert.equal(store.listUsers(DEFAULT_ACCOUNT).length, 11);
  assert.deepEqual(warnings, []);
});

test('a change made before the watcher noticed an edit keeps the edit', (t) => {
  const file = tempFile(t, sample());
  const store = open(t, file); // not watching: only the pre-change sync can see the edit
  const edited = JSON.parse(fs.readFileSync(file, 'utf8')) as IdentitiesFile;
  edited.accounts[0]!.users!.push({ name: 'hank' });
  renameReplace(file, edited);
  store.createUser(DEFAULT_ACCOUNT, 'ivy');
  assert.ok(store.getUser(DEFAULT_ACCOUNT, 'hank'), 'the external edit was loaded first');
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as IdentitiesFile;
  assert.deepEqual(
    written.accounts[0]!.users!.map((u) => u.name),
    ['alice', 'hank', 'ivy'],
  );
});

test('a deleted file keeps the identities, with a warning', async (t) => {
  const file = tempFile(t, sample());
  const warnings: string[] = [];
  const store = open(t, file, { watch: true, watchIntervalMs: 20, onWarning: (m) => warnings.push(m) });
  fs.rmSync(file);
  await eventually(() => warnings.length > 0, 'a warning');
  assert.match(warnings[0]!, /disappeared; keeping the previous identities/);
  assert.ok(store.lookup('AKIAALICE00000000001'));
});

test('policy names that are Object.prototype names survive the file: read, enforced, written back', (t) => {
  const DENY = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] };
  // JSON.parse makes "__proto__" an own key, as in a file an operator wrote.
  const text = JSON.stringify({
    accounts: [
      {
        id: DEFAULT_ACCOUNT,
        users: [
          {
            name: 'carol',
            userId: 'AIDACAROLCAROLCAROLC',
            accessKeys: [key('AKIACAROL00000000001')],
            policies: { All: ALLOW_ALL },
          },
        ],
      },
    ],
  }).replace(
    '"policies":{',
    `"policies":{"__proto__":${JSON.stringify(DENY)},"constructor":${JSON.stringify(DENY)},`,
  );
  const file = tempFile(t);
  fs.writeFileSync(file, text);
  const store = open(t, file);
  const carol = store.lookup('AKIACAROL00000000001')!;
  assert.deepEqual(
    store
      .policiesOf(carol)
      .map((p) => p.source)
      .sort(),
    ['user carol policy All', 'user carol policy __proto__', 'user carol policy constructor'],
  );
  assert.deepEqual(store.userPolicy(DEFAULT_ACCOUNT, 'carol', '__proto__'), DENY);
  // A change writes the file back; the names stay plain keys.
  store.putUserPolicy(DEFAULT_ACCOUNT, 'carol', 'hasOwnProperty', DENY);
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as IdentitiesFile;
  assert.deepEqual(Object.keys(written.accounts[0]!.users![0]!.policies!).sort(), [
    'All',
    '__proto__',
    'constructor',
    'hasOwnProperty',
  ]);
  store.deleteUserPolicy(DEFAULT_ACCOUNT, 'carol', '__proto__');
  assert.deepEqual(store.getUser(DEFAULT_ACCOUNT, 'carol')!.policyNames.slice().sort(), [
    'All',
    'constructor',
    'hasOwnProperty',
  ]);
});
