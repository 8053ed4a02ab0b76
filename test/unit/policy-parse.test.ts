/**
 * parsePolicy: accepted shapes and their normalized form, and one rejection per malformed case
 * with the message naming the problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parsePolicy, PolicyError, type PolicyKind } from '../../src/access/policy/index.js';

const ALLOW_ALL = { Effect: 'Allow', Action: 's3express:*', Resource: '*' };
const BUCKET = 'arn:aws:s3express:us-east-1:111111111111:bucket/b--use1-az4--x-s3';

function policy(statement: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ Version: '2012-10-17', ...extra, Statement: statement });
}

function rejects(text: string, kind: PolicyKind, message: RegExp, options?: { maxBytes?: number }): void {
  assert.throws(
    () => parsePolicy(text, kind, options),
    (err: unknown) => {
      assert.ok(err instanceof PolicyError, `expected PolicyError, got ${String(err)}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

test('parses an identity policy with a single statement object', () => {
  const p = parsePolicy(policy({ Sid: 'All', ...ALLOW_ALL }, { Id: 'p1' }), 'identity');
  assert.equal(p.version, '2012-10-17');
  assert.equal(p.id, 'p1');
  assert.equal(p.statements.length, 1);
  const [s] = p.statements;
  assert.equal(s?.sid, 'All');
  assert.equal(s?.index, 0);
  assert.equal(s?.effect, 'Allow');
  assert.deepEqual(s?.action, { negated: false, patterns: ['s3express:*'] });
  assert.deepEqual(s?.resource, { negated: false, patterns: [{ kind: 'any' }] });
  assert.equal(s?.principal, undefined);
  assert.deepEqual(s?.conditions, []);
});

test('parses statement arrays, NotAction, NotResource and list values', () => {
  const p = parsePolicy(
    policy([
      ALLOW_ALL,
      { Effect: 'Deny', NotAction: ['s3express:CreateSession', 's3express:Get*'], NotResource: [BUCKET] },
    ]),
    'identity',
  );
  const s = p.statements[1];
  assert.equal(s?.index, 1);
  assert.equal(s?.effect, 'Deny');
  assert.deepEqual(s?.action, { negated: true, patterns: ['s3express:CreateSession', 's3express:Get*'] });
  assert.equal(s?.resource.negated, true);
  assert.equal(s?.resource.patterns[0]?.kind, 'arn');
});

test('Version may be 2008-10-17 or absent', () => {
  assert.equal(
    parsePolicy(JSON.stringify({ Version: '2008-10-17', Statement: ALLOW_ALL }), 'identity').version,
    '2008-10-17',
  );
  assert.equal(parsePolicy(JSON.stringify({ Statement: ALLOW_ALL }), 'identity').version, undefined);
});

test('parses resource policies with each Principal form', () => {
  const forms: [unknown, { any: boolean; accounts: string[]; arns: string[]; services: string[] }][] = [
    ['*', { any: true, accounts: [], arns: [], services: [] }],
    [{ AWS: '*' }, { any: true, accounts: [], arns: [], services: [] }],
    [{ AWS: '222222222222' }, { any: false, accounts: ['222222222222'], arns: [], services: [] }],
    [
      { AWS: 'arn:aws:iam::222222222222:root' },
      { any: false, accounts: ['222222222222'], arns: [], services: [] },
    ],
    [
      { AWS: ['arn:aws:iam::222222222222:user/alice', 'arn:aws:sts::222222222222:assumed-role/r/s'] },
      {
        any: false,
        accounts: [],
        arns: ['arn:aws:iam::222222222222:user/alice', 'arn:aws:sts::222222222222:assumed-role/r/s'],
        services: [],
      },
    ],
    [{ Service: 's3.amazonaws.com' }, { any: false, accounts: [], arns: [], services: ['s3.amazonaws.com'] }],
  ];
  for (const [principal, spec] of forms) {
    const p = parsePolicy(policy({ ...ALLOW_ALL, Principal: principal }), 'resource');
    assert.deepEqual(p.statements[0]?.principal, { negated: false, spec }, JSON.stringify(principal));
  }
  const np = parsePolicy(
    policy({ ...ALLOW_ALL, Effect: 'Deny', NotPrincipal: { AWS: '222222222222' } }),
    'resource',
  );
  assert.equal(np.statements[0]?.principal?.negated, true);
});

test('parses conditions into one clause per operator and key', () => {
  const p = parsePolicy(
    policy({
      ...ALLOW_ALL,
      Condition: {
        StringEquals: { 's3express:SessionMode': 'ReadOnly', 'aws:username': ['a', 'b'] },
        'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'x*' },
        NumericLessThan: { 's3express:signatureAge': 600000 },
        Bool: { 'aws:SecureTransport': true },
      },
    }),
    'identity',
  );
  const clauses = p.statements[0]?.conditions ?? [];
  assert.equal(clauses.length, 5);
  assert.deepEqual(
    clauses.map((c) => [c.operator, c.keyLower, c.qualifier, c.ifExists, c.negated]),
    [
      ['StringEquals', 's3express:sessionmode', undefined, false, false],
      ['StringEquals', 'aws:username', undefined, false, false],
      ['ForAnyValue:StringLikeIfExists', 'aws:tagkeys', 'ForAnyValue', true, false],
      ['NumericLessThan', 's3express:signatureage', undefined, false, false],
      ['Bool', 'aws:securetransport', undefined, false, false],
    ],
  );
  assert.deepEqual(clauses[3]?.test, { kind: 'numeric', comparison: 'lt', values: [600000] });
});

test('operator names and set qualifiers are case-insensitive', () => {
  const p = parsePolicy(
    policy({ ...ALLOW_ALL, Condition: { 'forallvalues:stringequalsifexists': { k: 'v' } } }),
    'identity',
  );
  assert.equal(p.statements[0]?.conditions[0]?.qualifier, 'ForAllValues');
  assert.equal(p.statements[0]?.conditions[0]?.ifExists, true);
});

test('size limits default by kind and can be overridden', () => {
  const pad = 'x'.repeat(11000);
  const big = policy({ Sid: 'a', ...ALLOW_ALL, Condition: { StringEquals: { k: pad } } });
  rejects(big, 'identity', /over the limit of 10240 bytes/);
  assert.doesNotThrow(() => parsePolicy(big, 'identity', { maxBytes: 20000 }));
  const resourceBig = policy({
    ...ALLOW_ALL,
    Principal: '*',
    Condition: { StringEquals: { k: 'y'.repeat(21000) } },
  });
  rejects(resourceBig, 'resource', /over the limit of 20480 bytes/);
  rejects(policy(ALLOW_ALL), 'identity', /over the limit of 10 bytes/, { maxBytes: 10 });
});

test('rejects malformed documents', () => {
  const cases: [string, PolicyKind, RegExp][] = [
    ['', 'identity', /empty/],
    ['{"Version": ', 'identity', /not valid JSON/],
    ['[]', 'identity', /must be a JSON object/],
    ['"text"', 'identity', /must be a JSON object/],
    [JSON.stringify({ Version: '2012-10-17' }), 'identity', /no Statement/],
    [policy([]), 'identity', /Statement must not be empty/],
    [policy(ALLOW_ALL, { Extra: 1 }), 'identity', /Unknown policy element "Extra"/],
    [
      JSON.stringify({ Version: '2012-10-18', Statement: ALLOW_ALL }),
      'identity',
      /Unsupported policy Version "2012-10-18"/,
    ],
    [JSON.stringify({ Version: 2012, Statement: ALLOW_ALL }), 'identity', /Unsupported policy Version 2012/],
    [policy(ALLOW_ALL, { Id: 5 }), 'identity', /Id must be a string/],
    [policy(['x']), 'identity', /Statement 1 must be an object/],
    [policy({ ...ALLOW_ALL, Foo: 1 }), 'identity', /Statement 1: unknown element "Foo"/],
    [policy({ Action: '*', Resource: '*' }), 'identity', /Effect is missing/],
    [policy({ ...ALLOW_ALL, Effect: 'allow' }), 'identity', /Effect must be "Allow" or "Deny", not "allow"/],
    [policy({ Effect: 'Allow', Resource: '*' }), 'identity', /Action or NotAction is required/],
    [policy({ ...ALLOW_ALL, NotAction: 's3express:*' }), 'identity', /either Action or NotAction, not both/],
    [policy({ Effect: 'Allow', Action: '*' }), 'identity', /Resource or NotResource is required/],
    [policy({ ...ALLOW_ALL, NotResource: '*' }), 'identity', /either Resource or NotResource, not both/],
    [policy({ ...ALLOW_ALL, Action: [] }), 'identity', /Action must not be empty/],
    [policy({ ...ALLOW_ALL, Action: [3] }), 'identity', /Action entries must be strings/],
    [policy({ ...ALLOW_ALL, Action: 'CreateSession' }), 'identity', /invalid Action "CreateSession"/],
    [policy({ ...ALLOW_ALL, Action: 's3*:Get*' }), 'identity', /service prefix cannot contain wildcards/],
    [
      policy({ ...ALLOW_ALL, Resource: 'bucket/x' }),
      'identity',
      /invalid Resource "bucket\/x": expected "\*" or an ARN/,
    ],
    [
      policy({ ...ALLOW_ALL, Resource: 'arn:aws:s3express:us-east-1' }),
      'identity',
      /six colon-separated parts/,
    ],
    [
      policy({ ...ALLOW_ALL, Resource: 'arn:aws:s3express:::bucket/${aws:username' }),
      'identity',
      /missing "}"/,
    ],
    [policy({ ...ALLOW_ALL, Sid: 'has space' }), 'identity', /Sid may only contain letters and digits/],
    [policy({ ...ALLOW_ALL, Sid: 7 }), 'identity', /Sid must be a string/],
    [
      policy([
        { ...ALLOW_ALL, Sid: 'A' },
        { ...ALLOW_ALL, Sid: 'A' },
      ]),
      'identity',
      /Sid "A" is used twice/,
    ],
    [policy({ ...ALLOW_ALL, Principal: '*' }), 'identity', /identity policies must not contain Principal/],
    [policy({ ...ALLOW_ALL, NotPrincipal: '*' }), 'identity', /identity policies must not contain Principal/],
  ];
  for (const [text, kind, message] of cases) rejects(text, kind, message);
});

test('rejects malformed principals in resource policies', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /Principal or NotPrincipal is required/],
    [{ Principal: '*', NotPrincipal: '*' }, /either Principal or NotPrincipal, not both/],
    [{ Principal: '111111111111' }, /Principal must be "\*" or an object/],
    [{ Principal: {} }, /must name at least one principal/],
    [{ Principal: { CanonicalUser: 'abc' } }, /CanonicalUser principals are not supported/],
    [{ Principal: { Federated: 'accounts.google.com' } }, /Federated principals are not supported/],
    [{ Principal: { Group: 'x' } }, /unknown principal type "Group"/],
    [{ Principal: { AWS: [] } }, /"AWS" must name at least one principal/],
    [{ Principal: { AWS: 5 } }, /principals must be strings/],
    [
      { Principal: { AWS: 'arn:aws:iam::111111111111:user/*' } },
      /wildcards may only be used as "\*" on their own/,
    ],
    [{ Principal: { AWS: 'alice' } }, /invalid principal "alice"/],
    [{ Principal: { AWS: '11111111111' } }, /invalid principal "11111111111"/],
    [{ Principal: { Service: 'bad service' } }, /invalid service principal/],
    [{ NotPrincipal: { AWS: '111111111111' } }, /NotPrincipal may only be used with "Effect": "Deny"/],
  ];
  for (const [principal, message] of cases)
    rejects(policy({ ...ALLOW_ALL, ...principal }), 'resource', message);
});

test('rejects malformed conditions', () => {
  const cases: [unknown, RegExp][] = [
    ['x', /Condition must be an object/],
    [{ StringEquality: { k: 'v' } }, /unknown condition operator "StringEquality"/],
    [{ 'ForSomeValues:StringEquals': { k: 'v' } }, /unknown condition set operator "ForSomeValues"/],
    [{ NullIfExists: { k: 'true' } }, /Null operator takes neither IfExists/],
    [{ 'ForAnyValue:Null': { k: 'true' } }, /Null operator takes neither IfExists nor ForAnyValue/],
    [{ StringEquals: 'v' }, /must map condition keys to values/],
    [{ StringEquals: {} }, /must map condition keys to values/],
    [{ StringEquals: { '': 'v' } }, /has an empty key/],
    [{ StringEquals: { k: [] } }, /key "k": at least one value is required/],
    [{ StringEquals: { k: null } }, /must be strings, numbers or booleans/],
    [{ StringEquals: { k: [{}] } }, /must be strings, numbers or booleans/],
    [{ NumericEquals: { k: 'ten' } }, /"ten" is not a number/],
    [{ DateLessThan: { k: '2020-13-01' } }, /is not an ISO 8601 date or epoch seconds/],
    [{ DateLessThan: { k: 'yesterday' } }, /is not an ISO 8601 date/],
    [{ Bool: { k: 'yes' } }, /"yes" is not true or false/],
    [{ Null: { k: 'maybe' } }, /"maybe" is not true or false/],
    [{ BinaryEquals: { k: 'not base64!' } }, /is not base64/],
    [{ IpAddress: { k: '203.0.113.0/33' } }, /is not an IPv4 or IPv6 address or CIDR range/],
    [{ NotIpAddress: { k: 'localhost' } }, /is not an IPv4 or IPv6/],
    [{ StringLike: { k: '${aws:username, default}' } }, /default value must be in single quotes/],
    [{ StringLike: { k: '${}' } }, /empty variable name/],
    [{ StringLike: { k: "${aws:username, 'x}" } }, /unterminated default value/],
  ];
  for (const [condition, message] of cases) {
    rejects(policy({ ...ALLOW_ALL, Condition: condition }), 'identity', message);
  }
});

test('a 2008-10-17 policy does not interpret ${...}, so malformed variables are plain text there', () => {
  const text = JSON.stringify({
    Version: '2008-10-17',
    Statement: { ...ALLOW_ALL, Condition: { StringEquals: { k: '${aws:username' } } },
  });
  assert.doesNotThrow(() => parsePolicy(text, 'identity'));
});

test('resource policies accept any Sid text and an open-ended short ARN', () => {
  const p = parsePolicy(
    policy({ ...ALLOW_ALL, Sid: 'Allow reads: team-a', Principal: '*', Resource: 'arn:aws:s3express:*' }),
    'resource',
  );
  assert.equal(p.statements[0]?.sid, 'Allow reads: team-a');
});
