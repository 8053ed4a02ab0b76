/**
 * Condition operators, table-driven: every operator positive and negated, with IfExists, with an
 * absent key, with several policy values, and the ForAllValues/ForAnyValue set qualifiers.
 * Semantics per the IAM User Guide pages "IAM JSON policy elements: Condition operators" and
 * "Conditions with multiple context keys or values".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CONDITION_OPERATORS,
  evaluatePolicies,
  parsePolicy,
  type ContextValue,
  type PrincipalInfo,
} from '../../src/access/policy/index.js';

const ALICE: PrincipalInfo = {
  arn: 'arn:aws:iam::111111111111:user/alice',
  accountId: '111111111111',
  isRoot: false,
  userName: 'alice',
  userId: 'AIDAALICE',
};
const BUCKET = 'arn:aws:s3express:us-east-1:111111111111:bucket/b--use1-az4--x-s3';

/** True when an Allow statement with only this Condition applies to a request with this context. */
function holds(
  condition: Record<string, unknown>,
  context: Record<string, ContextValue>,
  version = '2012-10-17',
  principal: PrincipalInfo = ALICE,
): boolean {
  const text = JSON.stringify({
    Version: version,
    Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: condition },
  });
  const policy = parsePolicy(text, 'identity');
  const result = evaluatePolicies([{ source: 'test', policy }], 'identity', {
    principal,
    action: 's3express:CreateSession',
    resource: BUCKET,
    context,
  });
  return result.decision === 'Allow';
}

/** [operator, policy value(s), request value (undefined = key absent), expected]. */
type Row = [string, unknown, ContextValue, boolean];

function runTable(rows: Row[]): void {
  for (const [operator, policyValue, requestValue, expected] of rows) {
    const context = requestValue === undefined ? {} : { 'test:Key': requestValue };
    assert.equal(
      holds({ [operator]: { 'test:key': policyValue } }, context),
      expected,
      `${operator} ${JSON.stringify(policyValue)} vs ${JSON.stringify(requestValue)}`,
    );
  }
}

test('string operators', () => {
  runTable([
    ['StringEquals', 'ReadOnly', 'ReadOnly', true],
    ['StringEquals', 'ReadOnly', 'readonly', false],
    ['StringEquals', 'Read*', 'ReadOnly', false], // no wildcards in Equals
    ['StringEquals', 'Read*', 'Read*', true],
    ['StringEquals', ['ReadOnly', 'ReadWrite'], 'ReadWrite', true], // values ORed
    ['StringEquals', 'ReadOnly', undefined, false],
    ['StringEquals', '', '', true],
    ['StringNotEquals', 'ReadOnly', 'ReadWrite', true],
    ['StringNotEquals', 'ReadOnly', 'ReadOnly', false],
    ['StringNotEquals', ['ReadOnly', 'ReadWrite'], 'ReadWrite', false], // NOR: equal to one of them
    ['StringNotEquals', ['ReadOnly', 'ReadWrite'], 'Other', true],
    ['StringNotEquals', 'ReadOnly', undefined, true], // negated operator, absent key
    ['StringEqualsIgnoreCase', 'ReadOnly', 'READONLY', true],
    ['StringEqualsIgnoreCase', 'ReadOnly', 'ReadWrite', false],
    ['StringEqualsIgnoreCase', 'ReadOnly', undefined, false],
    ['StringNotEqualsIgnoreCase', 'ReadOnly', 'readonly', false],
    ['StringNotEqualsIgnoreCase', 'ReadOnly', 'ReadWrite', true],
    ['StringNotEqualsIgnoreCase', 'ReadOnly', undefined, true],
    ['StringLike', 'home/*', 'home/alice/x', true],
    ['StringLike', 'home/?', 'home/a', true],
    ['StringLike', 'home/?', 'home/ab', false],
    ['StringLike', 'home/*', 'Home/alice', false], // case-sensitive
    ['StringLike', ['', 'home/'], '', true],
    ['StringLike', 'home/*', undefined, false],
    ['StringNotLike', 'home/*', 'work/x', true],
    ['StringNotLike', 'home/*', 'home/x', false],
    ['StringNotLike', ['home/*', 'work/*'], 'work/x', false],
    ['StringNotLike', 'home/*', undefined, true],
  ]);
});

test('numeric operators', () => {
  runTable([
    ['NumericEquals', '10', '10', true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericEquals', 10, '10', true], // JSON numbers are accepted
    ['NumericEquals', '10', '11', false],
    ['NumericEquals', '10', 'ten', false], // a non-number in the request matches nothing
    ['NumericEquals', '10', undefined, false],
    ['NumericNotEquals', '10', '11', true],
    ['NumericNotEquals', '10', '10', false],
    ['NumericNotEquals', ['10', '11'], '11', false],
    ['NumericNotEquals', '10', undefined, true],
    ['NumericLessThan', '10', '9', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThan', '10', '-3.5', true],
    ['NumericLessThan', '10', undefined, false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericLessThanEquals', '10', '10.5', false],
    ['NumericGreaterThan', '10', '11', true],
    ['NumericGreaterThan', '10', '10', false],
    ['NumericGreaterThanEquals', '10', '10', true],
    ['NumericGreaterThanEquals', '10', '9.99', false],
    ['NumericGreaterThanEquals', ['100', '5'], '6', true], // ORed: 6 >= 5
  ]);
});

test('date operators (ISO 8601 and epoch seconds on either side)', () => {
  const epoch = String(Date.UTC(2020, 0, 1, 0, 0, 1) / 1000);
  runTable([
    ['DateEquals', '2020-01-01T00:00:01Z', '2020-01-01T00:00:01Z', true],
    ['DateEquals', '2020-01-01T00:00:01Z', epoch, true],
    ['DateEquals', epoch, '2020-01-01T01:00:01+01:00', true],
    ['DateEquals', '2020-01-01', '2020-01-01T00:00:00Z', true],
    ['DateEquals', '2020-01-01T00:00:01Z', '2020-01-01T00:00:02Z', false],
    ['DateEquals', '2020-01-01T00:00:01Z', 'not a date', false],
    ['DateEquals', '2020-01-01T00:00:01Z', undefined, false],
    ['DateNotEquals', '2020-01-01T00:00:01Z', '2021-01-01T00:00:00Z', true],
    ['DateNotEquals', '2020-01-01T00:00:01Z', epoch, false],
    ['DateNotEquals', '2020-01-01T00:00:01Z', undefined, true],
    ['DateLessThan', '2020-01-01T00:00:00Z', '2019-12-31T23:59:59Z', true],
    ['DateLessThan', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', false],
    ['DateLessThanEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
    ['DateLessThanEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:01Z', false],
    ['DateGreaterThan', '2020-01-01T00:00:01Z', '2021-06-01T00:00:00Z', true],
    ['DateGreaterThan', '2020-01-01T00:00:01Z', '2020-01-01T00:00:01Z', false],
    ['DateGreaterThanEquals', '2020-01-01T00:00:01Z', epoch, true],
    ['DateGreaterThanEquals', '2020-01-01T00:00:01Z', '2019-01-01', false],
    ['DateGreaterThan', '2020-01-01T00:00:01Z', undefined, false],
  ]);
});

test('Bool, BinaryEquals and Null', () => {
  runTable([
    ['Bool', 'true', 'true', true],
    ['Bool', 'true', 'TRUE', true],
    ['Bool', true, 'true', true],
    ['Bool', 'false', 'true', false],
    ['Bool', 'false', 'false', true],
    ['Bool', 'true', 'yes', false],
    ['Bool', 'false', undefined, false],
    ['BoolIfExists', 'false', undefined, true],
    ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', true],
    ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'T3RoZXI=', false],
    ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', undefined, false],
    ['Null', 'true', undefined, true],
    ['Null', 'true', 'x', false],
    ['Null', 'true', [], true], // an empty set counts as absent
    ['Null', 'false', 'x', true],
    ['Null', 'false', '', true], // present, even if empty text
    ['Null', 'false', undefined, false],
    ['Null', ['true', 'false'], undefined, true],
  ]);
});

test('IP address operators (IPv4 and IPv6)', () => {
  runTable([
    ['IpAddress', '203.0.113.0/24', '203.0.113.77', true],
    ['IpAddress', '203.0.113.0/24', '198.51.100.1', false],
    ['IpAddress', '203.0.113.7', '203.0.113.7', true],
    ['IpAddress', ['203.0.113.0/24', '2001:DB8:1234:5678::/64'], '2001:db8:1234:5678::9', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:ffff::1', false],
    ['IpAddress', '203.0.113.0/24', 'not-an-ip', false],
    ['IpAddress', '203.0.113.0/24', undefined, false],
    ['NotIpAddress', '203.0.113.0/24', '198.51.100.1', true],
    ['NotIpAddress', '203.0.113.0/24', '203.0.113.1', false],
    ['NotIpAddress', ['203.0.113.0/24', '198.51.100.0/24'], '198.51.100.1', false],
    ['NotIpAddress', '203.0.113.0/24', undefined, true],
    ['IpAddressIfExists', '203.0.113.0/24', undefined, true],
    ['IpAddressIfExists', '203.0.113.0/24', '10.0.0.1', false],
  ]);
});

test('ARN operators compare segment by segment', () => {
  const arn = 'arn:aws:iam::111111111111:user/alice';
  runTable([
    ['ArnEquals', arn, arn, true],
    ['ArnEquals', 'arn:aws:iam::*:user/*', arn, true], // ArnEquals takes wildcards like ArnLike
    ['ArnLike', 'arn:aws:iam::111111111111:user/*', arn, true],
    ['ArnLike', 'arn:aws:iam::111111111111:user/?lice', arn, true],
    ['ArnLike', 'arn:aws:iam::111111111111:role/*', arn, false],
    ['ArnLike', 'arn:aws:iam::111111111111:USER/alice', arn, false],
    ['ArnLike', 'arn:aws:iam::*', arn, true],
    ['ArnLike', 'arn:aws:iam::111111111111:user/*', 'not-an-arn', false],
    ['ArnLike', 'arn:aws:iam::111111111111:user/*', undefined, false],
    ['ArnNotEquals', 'arn:aws:iam::111111111111:user/bob', arn, true],
    ['ArnNotEquals', arn, arn, false],
    ['ArnNotLike', 'arn:aws:iam::*:user/*', arn, false],
    ['ArnNotLike', ['arn:aws:iam::*:role/*', 'arn:aws:iam::*:user/a*'], arn, false],
    ['ArnNotLike', 'arn:aws:iam::*:role/*', arn, true],
    ['ArnNotLike', 'arn:aws:iam::*:role/*', undefined, true],
    ['ArnLikeIfExists', 'arn:aws:iam::*:role/*', undefined, true],
  ]);
});

test('IfExists: absent key passes, present key is checked by the base operator', () => {
  const ops = CONDITION_OPERATORS.filter((op) => op !== 'Null');
  for (const op of ops) {
    const value = op.startsWith('Numeric')
      ? '1'
      : op.startsWith('Date')
        ? '2020-01-01'
        : op === 'Bool'
          ? 'true'
          : op === 'BinaryEquals'
            ? 'AA=='
            : op.includes('Ip')
              ? '10.0.0.0/8'
              : op.startsWith('Arn')
                ? 'arn:aws:iam::1:x'
                : 'v';
    assert.equal(
      holds({ [`${op}IfExists`]: { 'test:key': value } }, {}),
      true,
      `${op}IfExists with absent key`,
    );
  }
  runTable([
    ['StringEqualsIfExists', 'ReadOnly', 'ReadOnly', true],
    ['StringEqualsIfExists', 'ReadOnly', 'ReadWrite', false],
    ['StringNotEqualsIfExists', 'ReadOnly', 'ReadOnly', false],
    ['StringNotEqualsIfExists', 'ReadOnly', 'ReadWrite', true],
    ['NumericLessThanIfExists', '5', '7', false],
    ['DateLessThanIfExists', '2020-01-01', '2019-01-01', true],
  ]);
});

test('every operator, positive and negated, treats an absent key per the AWS rule', () => {
  // "If the key … is not present in the request context, the values do not match and the condition is
  // false. If the policy condition requires that the key is not matched … the condition is true."
  const negated = new Set([
    'StringNotEquals',
    'StringNotEqualsIgnoreCase',
    'StringNotLike',
    'NumericNotEquals',
    'DateNotEquals',
    'NotIpAddress',
    'ArnNotEquals',
    'ArnNotLike',
  ]);
  const sample: Record<string, string> = {
    Numeric: '1',
    Date: '2020-01-01',
    Bool: 'true',
    BinaryEquals: 'AA==',
    IpAddress: '10.0.0.0/8',
    NotIpAddress: '10.0.0.0/8',
    Arn: 'arn:aws:iam::1:x',
  };
  for (const op of CONDITION_OPERATORS.filter((o) => o !== 'Null')) {
    const prefix = Object.keys(sample).find((p) => op.startsWith(p));
    const value = prefix === undefined ? 'v' : (sample[prefix] as string);
    assert.equal(holds({ [op]: { 'test:key': value } }, {}), negated.has(op), op);
  }
});

test('multiple keys in one operator and multiple operators are ANDed', () => {
  const condition = {
    StringEquals: { 's3express:SessionMode': 'ReadOnly', 'aws:username': 'alice' },
    IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
  };
  const ctx = { 's3express:SessionMode': 'ReadOnly', 'aws:SourceIp': '203.0.113.9' };
  assert.equal(holds(condition, ctx), true);
  assert.equal(holds(condition, { ...ctx, 's3express:SessionMode': 'ReadWrite' }), false);
  assert.equal(holds(condition, { ...ctx, 'aws:SourceIp': '198.51.100.1' }), false);
  assert.equal(holds(condition, ctx, '2012-10-17', { ...ALICE, userName: 'bob' }), false);
});

test('context keys are case-insensitive; values follow the operator', () => {
  assert.equal(holds({ StringEquals: { 'AWS:SourceIP': 'x' } }, { 'aws:sourceip': 'x' }), true);
  assert.equal(holds({ StringEquals: { 'aws:sourceip': 'x' } }, { 'AWS:SourceIp': 'X' }), false);
});

test('ForAllValues: every request value must match some policy value; absent or empty is true', () => {
  // Table from "Creating a condition that tests multiple key values (set operations)", IAM User Guide.
  const policyValues = ['PostDateTime', 'Message', 'Tags'];
  const op = 'ForAllValues:StringLike';
  runTable([
    [op, policyValues, ['PostDateTime', 'Message'], true],
    [op, policyValues, ['PostDateTime', 'UserName'], false],
    [op, policyValues, 'Tags', true],
    [op, policyValues, [], true],
    [op, policyValues, undefined, true],
    ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'b', 'a'], true],
  ]);
});

test('ForAnyValue: at least one request value must match; absent or empty is false', () => {
  const op = 'ForAnyValue:StringLike';
  runTable([
    [op, ['ID', 'PostDateTime'], ['UserName', 'Message', 'PostDateTime'], true],
    [op, ['ID', 'PostDateTime'], ['UserName'], false],
    [op, ['ID', 'PostDateTime'], [], false],
    [op, ['ID', 'PostDateTime'], undefined, false],
    ['ForAnyValue:StringLikeIfExists', ['ID'], undefined, true],
    ['ForAnyValue:StringEquals', 'a', ['b', 'a'], true],
  ]);
});

test('set qualifiers with negated operators test each request value against all policy values', () => {
  // Table from "Multivalued context key examples" (Deny with ForAllValues:StringNotLike "key1*").
  const op = 'ForAllValues:StringNotLike';
  runTable([
    [op, 'key1*', ['key1:legal'], false],
    [op, 'key1*', ['key1:hr', 'key1:personnel'], false],
    [op, 'key1*', ['key2:audit'], true],
    [op, 'key1*', undefined, true],
    [op, ['key1*', 'key2*'], ['key2:audit', 'key3:x'], false],
    ['ForAnyValue:StringNotEquals', ['a', 'b'], ['a', 'c'], true], // c equals neither
    ['ForAnyValue:StringNotEquals', ['a', 'b'], ['a', 'b'], false],
    ['ForAnyValue:StringNotEquals', ['a', 'b'], undefined, false],
  ]);
});

test('without a qualifier a multivalued request key passes when any value matches (negated: none)', () => {
  runTable([
    ['StringEquals', 'a', ['x', 'a'], true],
    ['StringEquals', 'a', ['x', 'y'], false],
    ['StringNotEquals', 'a', ['x', 'a'], false],
    ['StringNotEquals', 'a', ['x', 'y'], true],
    ['StringEquals', 'a', [], false], // empty set: absent
    ['StringNotEquals', 'a', [], true],
  ]);
});

test('policy variables in condition values', () => {
  const ctx = { 's3:prefix': 'home/alice/docs' };
  assert.equal(holds({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, ctx), true);
  assert.equal(
    holds({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/bob/x' }),
    false,
  );
  // The same text under 2008-10-17 is literal.
  assert.equal(holds({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, ctx, '2008-10-17'), false);
  assert.equal(
    holds(
      { StringLike: { 's3:prefix': 'home/${aws:username}/*' } },
      { 's3:prefix': 'home/${aws:username}/x' },
      '2008-10-17',
    ),
    true,
  );
  // Derived from the principal: aws:userid, aws:PrincipalAccount, aws:PrincipalArn; request values win.
  assert.equal(holds({ StringEquals: { 'test:id': '${aws:userid}' } }, { 'test:id': 'AIDAALICE' }), true);
  assert.equal(
    holds({ StringEquals: { 'test:acct': '${aws:PrincipalAccount}' } }, { 'test:acct': '111111111111' }),
    true,
  );
  assert.equal(holds({ ArnEquals: { 'test:arn': '${aws:PrincipalArn}' } }, { 'test:arn': ALICE.arn }), true);
  assert.equal(
    holds(
      { StringEquals: { 'test:ip': '${aws:SourceIp}' } },
      { 'aws:SourceIp': '10.1.2.3', 'test:ip': '10.1.2.3' },
    ),
    true,
  );
  assert.equal(
    holds({ StringEquals: { 'test:u': '${aws:username}' } }, { 'aws:username': 'carol', 'test:u': 'carol' }),
    true,
  );
  // Bool takes variables too.
  assert.equal(
    holds({ Bool: { 'test:b': '${test:flag}' } }, { 'test:b': 'true', 'test:flag': 'true' }),
    true,
  );
});

test('an unresolved variable matches nothing, unless it has a default', () => {
  const root: PrincipalInfo = {
    arn: 'arn:aws:iam::111111111111:root',
    accountId: '111111111111',
    isRoot: true,
  };
  // The root user has no aws:username.
  assert.equal(
    holds({ StringEquals: { 'test:u': '${aws:username}' } }, { 'test:u': '' }, '2012-10-17', root),
    false,
  );
  assert.equal(
    holds({ StringNotEquals: { 'test:u': '${aws:username}' } }, { 'test:u': 'x' }, '2012-10-17', root),
    true,
  );
  assert.equal(
    holds(
      { StringEquals: { 'test:u': "${aws:username, 'anonymous'}" } },
      { 'test:u': 'anonymous' },
      '2012-10-17',
      root,
    ),
    true,
  );
  // The root user's aws:userid is its account id.
  assert.equal(
    holds({ StringEquals: { 'test:u': '${aws:userid}' } }, { 'test:u': '111111111111' }, '2012-10-17', root),
    true,
  );
  // Only single-valued keys resolve.
  assert.equal(
    holds({ StringEquals: { 'test:u': '${test:many}' } }, { 'test:u': 'a', 'test:many': ['a', 'b'] }),
    false,
  );
  // Another value for the same key still matches.
  assert.equal(holds({ StringEquals: { 'test:u': ['${test:none}', 'x'] } }, { 'test:u': 'x' }), true);
});

test('escapes match literal *, ? and $', () => {
  assert.equal(holds({ StringLike: { 'test:k': 'a${*}' } }, { 'test:k': 'a*' }), true);
  assert.equal(holds({ StringLike: { 'test:k': 'a${*}' } }, { 'test:k': 'ab' }), false);
  assert.equal(holds({ StringLike: { 'test:k': 'a${?}' } }, { 'test:k': 'a?' }), true);
  assert.equal(holds({ StringEquals: { 'test:k': '${$}{x}' } }, { 'test:k': '${x}' }), true);
});
