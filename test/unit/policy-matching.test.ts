/**
 * The building blocks: wildcard matching, action and ARN matching, and policy-variable templates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PolicyError } from '../../src/access/policy/index.js';
import {
  parseTemplate,
  resolveTemplate,
  resolveTemplateText,
  splitTemplateArn,
  type VariableLookup,
} from '../../src/access/policy/variables.js';
import {
  actionMatches,
  arnSegmentsMatch,
  globFromLiteral,
  globFromText,
  globMatch,
  splitArn,
} from '../../src/access/policy/wildcard.js';
import { parseCidr, parseDate, parseNumber } from '../../src/access/policy/scalars.js';

test('glob: * matches any sequence (including empty), ? exactly one character', () => {
  const cases: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything at all', true],
    ['a*', 'a', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', false], // no exponential backtracking
    ['*.txt', 'notes.txt', true],
    ['home/*/x', 'home/a/b/x', true],
    ['??', 'é€', true], // code points, not UTF-16 units
    ['?', '😀', true],
    ['exact', 'Exact', false],
  ];
  for (const [pattern, text, expected] of cases) {
    assert.equal(globMatch(globFromText(pattern), text), expected, `${pattern} ~ ${text}`);
  }
  assert.equal(globMatch(globFromText('ABC*'), 'abcdef', true), true);
  assert.equal(globMatch(globFromLiteral('a*'), 'abc'), false, 'literal * is not a wildcard');
  assert.equal(globMatch(globFromLiteral('a*'), 'a*'), true);
});

test('a long adversarial pattern finishes quickly', () => {
  const pattern = globFromText('*a'.repeat(200) + 'b');
  const text = 'a'.repeat(5000);
  const start = process.hrtime.bigint();
  assert.equal(globMatch(pattern, text), false);
  assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 2000);
});

test('actions match case-insensitively with wildcards', () => {
  assert.equal(actionMatches('s3express:CreateSession', 's3express:createsession'), true);
  assert.equal(actionMatches('S3Express:Create*', 's3express:CreateBucket'), true);
  assert.equal(actionMatches('s3express:*', 's3express:DeleteBucketPolicy'), true);
  assert.equal(actionMatches('s3express:Get*Configuration', 's3express:GetEncryptionConfiguration'), true);
  assert.equal(actionMatches('s3express:*Policy', 's3express:PutBucketPolicy'), true);
  assert.equal(actionMatches('s3express:Put*', 's3express:GetBucketPolicy'), false);
  assert.equal(actionMatches('s3:*', 's3express:CreateSession'), false);
  assert.equal(actionMatches('*', 's3express:CreateSession'), true);
  assert.equal(actionMatches('s3express:CreateSessio?', 's3express:CreateSession'), true);
});

test('splitArn keeps colons of the resource part together', () => {
  assert.deepEqual(splitArn('arn:aws:s3express:us-east-1:111111111111:bucket/a:b'), [
    'arn',
    'aws',
    's3express',
    'us-east-1',
    '111111111111',
    'bucket/a:b',
  ]);
  assert.deepEqual(splitArn('a:b:c', 2), ['a', 'b:c']);
  assert.deepEqual(splitArn('no-colons'), ['no-colons']);
});

test('ARN matching is per segment (IAM User Guide, ARN condition operators example)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
  const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
  const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';
  const segments = splitArn(pattern).map(globFromText);
  assert.equal(arnSegmentsMatch(segments, value), false, 'ArnLike: * stays within the region segment');
  assert.equal(globMatch(globFromText(pattern), value), true, 'StringLike: * crosses colons');

  const bucket = 'arn:aws:s3express:us-east-1:111111111111:bucket/b--use1-az4--x-s3';
  const m = (p: string) => arnSegmentsMatch(splitArn(p).map(globFromText), bucket);
  assert.equal(m('arn:aws:s3express:*:111111111111:bucket/*'), true);
  assert.equal(m('arn:aws:s3express:us-east-?:*:bucket/b--*--x-s3'), true);
  assert.equal(m('arn:aws:s3express:us-east-1:222222222222:bucket/*'), false);
  assert.equal(m('arn:aws:s3express:*:*:accesspoint/*'), false);
  assert.equal(
    m('arn:aws:s3express:us-east-1:111111111111:BUCKET/b--use1-az4--x-s3'),
    false,
    'case-sensitive',
  );
  assert.equal(m('*'), true, 'a lone * covers the whole ARN');
  assert.equal(m('arn:aws:s3express:*'), true, 'a short pattern lets its last part cover the rest');
  assert.equal(m('arn:aws:s3:*'), false);
  assert.equal(arnSegmentsMatch(splitArn('arn:*:*:*:*:*').map(globFromText), 'not-an-arn'), false);
});

const lookupOf =
  (values: Record<string, string>): VariableLookup =>
  (key) =>
    values[key];

test('templates substitute variables, escapes and defaults', () => {
  const lookup = lookupOf({ 'aws:username': 'alice', 'aws:principalaccount': '111111111111' });
  const text = (t: string) => resolveTemplateText(parseTemplate(t, true, 'test'), lookup);
  assert.equal(text('home/${aws:username}/'), 'home/alice/');
  assert.equal(text('home/${AWS:UserName}/'), 'home/alice/', 'keys are case-insensitive');
  assert.equal(text('${aws:userid}'), undefined, 'absent key without default');
  assert.equal(text("${aws:userid, 'anonymous'}"), 'anonymous');
  assert.equal(text("${aws:userid,'anonymous'}"), 'anonymous');
  assert.equal(text("${ aws:username , 'x' }"), 'alice');
  assert.equal(text("${aws:userid, 'it''s'}"), "it's", 'doubled quote in a default');
  assert.equal(text("${aws:userid, 'a}b'}"), 'a}b');
  assert.equal(text('a${*}b${?}c${$}d'), 'a*b?c$d');
  assert.equal(text('$plain {braces} $'), '$plain {braces} $');
  assert.equal(text('no variables'), 'no variables');
  assert.equal(text(''), '');
});

test('escaped and substituted wildcards are literal; written ones are wildcards', () => {
  const lookup = lookupOf({ 'aws:username': 'a*' });
  const glob = (t: string) => resolveTemplate(parseTemplate(t, true, 'test'), lookup) ?? [];
  assert.equal(globMatch(glob('x/${*}'), 'x/*'), true);
  assert.equal(globMatch(glob('x/${*}'), 'x/y'), false);
  assert.equal(globMatch(glob('x/${aws:username}'), 'x/abc'), false, 'a value from the request is literal');
  assert.equal(globMatch(glob('x/${aws:username}'), 'x/a*'), true);
  assert.equal(globMatch(glob('x/*'), 'x/abc'), true);
});

test('variables are plain text when disabled (2008-10-17)', () => {
  const t = parseTemplate('home/${aws:username}', false, 'test');
  assert.equal(resolveTemplateText(t, lookupOf({ 'aws:username': 'alice' })), 'home/${aws:username}');
});

test('malformed variables are rejected', () => {
  for (const bad of ['${aws:username', '${}', '${a b}', "${k, 'x'", '${k, x}', "${k, 'x' y}"]) {
    assert.throws(() => parseTemplate(bad, true, 'test'), PolicyError, bad);
  }
});

test('ARN templates split only at colons written in the policy', () => {
  const t = parseTemplate(
    'arn:aws:s3express:us-east-1:${aws:PrincipalAccount}:bucket/${s:key}',
    true,
    'test',
  );
  const segments = splitTemplateArn(t);
  assert.equal(segments.length, 6);
  assert.deepEqual(segments[4], [{ kind: 'var', key: 'aws:principalaccount' }]);
  assert.deepEqual(segments[5], [
    { kind: 'text', value: 'bucket/' },
    { kind: 'var', key: 's:key' },
  ]);
});

test('scalar readings: numbers, dates, CIDRs', () => {
  assert.equal(parseNumber('10'), 10);
  assert.equal(parseNumber('-1.5e3'), -1500);
  assert.equal(parseNumber('.5'), 0.5);
  assert.equal(parseNumber('0x10'), undefined);
  assert.equal(parseNumber(''), undefined);
  assert.equal(parseNumber('1 0'), undefined);

  const t = Date.UTC(2020, 0, 1, 0, 0, 1);
  assert.equal(parseDate('2020-01-01T00:00:01Z'), t);
  assert.equal(parseDate('2020-01-01T01:00:01+01:00'), t);
  assert.equal(parseDate('2019-12-31T23:00:01-01:00'), t);
  assert.equal(parseDate('2020-01-01T00:00:01.000Z'), t);
  assert.equal(parseDate('2020-01-01T00:00:01'), t, 'no zone: UTC');
  assert.equal(parseDate(String(t / 1000)), t, 'epoch seconds');
  assert.equal(parseDate('2020-01-01'), Date.UTC(2020, 0, 1));
  assert.equal(parseDate('2020-02'), Date.UTC(2020, 1, 1));
  assert.equal(parseDate('2020'), Date.UTC(2020, 0, 1), 'four digits read as a year');
  assert.equal(parseDate('2020-01-01T00:00Z'), Date.UTC(2020, 0, 1));
  assert.equal(parseDate('2023-02-30'), undefined);
  assert.equal(parseDate('2020-01-01T24:00:00Z'), undefined);
  assert.equal(parseDate('Jan 1 2020'), undefined);

  const v4 = parseCidr('203.0.113.0/24');
  assert.equal(v4?.contains('203.0.113.255'), true);
  assert.equal(v4?.contains('203.0.114.0'), false);
  assert.equal(v4?.contains('2001:db8::1'), false);
  assert.equal(v4?.contains('garbage'), false);
  assert.equal(parseCidr('203.0.113.7')?.contains('203.0.113.7'), true, 'a bare address is /32');
  assert.equal(parseCidr('203.0.113.7')?.contains('203.0.113.8'), false);
  const v6 = parseCidr('2001:DB8:1234:5678::/64');
  assert.equal(v6?.contains('2001:db8:1234:5678:abcd::1'), true);
  assert.equal(v6?.contains('2001:db8:1234:5679::1'), false);
  assert.equal(parseCidr('0.0.0.0/0')?.contains('198.51.100.1'), true);
  for (const bad of ['203.0.113.0/33', '2001:db8::/129', '1.2.3', '10.0.0.0/', '10.0.0.0/a']) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});
