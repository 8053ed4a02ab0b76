/**
 * Fuzzing policy documents: parsePolicy (identity and resource kinds) and the directory-bucket
 * policy validator on policy-shaped, corrupted and arbitrary JSON. parsePolicy either returns or
 * throws PolicyError; validateBucketPolicy either returns or throws MalformedPolicy; layout
 * (whitespace) never changes the result; anything accepted evaluates without throwing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { validateBucketPolicy } from '../../src/access/bucket-policy-rules.js';
import {
  decide,
  evaluatePolicies,
  parsePolicy,
  PolicyError,
  requestTimeContext,
  type EvaluationRequest,
  type PolicyKind,
} from '../../src/access/policy/index.js';
import { S3Error } from '../../src/errors/s3-error.js';
import { asciiText, policyObject, policyText, unicodeText } from './arbitraries.js';
import { fuzz, outcome } from './fuzz-runner.js';

const BUCKET_ARN = 'arn:aws:s3express:us-east-1:111111111111:bucket/fuzz--use1-az4--x-s3';
const kind = fc.constantFrom<PolicyKind>('identity', 'resource');

const request: fc.Arbitrary<EvaluationRequest> = fc.record({
  principal: fc.oneof(
    fc.constant({ arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111', isRoot: true }),
    fc.constant({
      arn: 'arn:aws:iam::111111111111:user/alice',
      accountId: '111111111111',
      isRoot: false,
      userName: 'alice',
      userId: 'AIDAALICE',
    }),
    fc.record({
      arn: asciiText(30),
      accountId: fc.stringMatching(/^\d{12}$/),
      isRoot: fc.boolean(),
      userName: unicodeText(8),
    }),
  ),
  action: fc.constantFrom(
    's3express:CreateSession',
    's3express:PutBucketPolicy',
    's3:GetObject',
    'iam:CreateUser',
    '',
  ),
  resource: fc.oneof(fc.constant(BUCKET_ARN), asciiText(40)),
  context: fc.dictionary(
    fc.constantFrom(
      's3express:SessionMode',
      'aws:SourceIp',
      'aws:SecureTransport',
      'aws:username',
      's3express:LocationName',
      'aws:CurrentTime',
    ),
    fc.oneof(
      fc.constantFrom(
        'ReadOnly',
        'ReadWrite',
        '10.1.2.3',
        '::1',
        'true',
        'false',
        'alice',
        'use1-az4',
        '2025-06-01T00:00:00Z',
        'fe80::1%eth0',
      ),
      unicodeText(10),
      fc.array(unicodeText(6), { maxLength: 3 }),
    ),
    { maxKeys: 4 },
  ),
});

describe('fuzz: policy documents', () => {
  test('parsePolicy: a parsed policy or a PolicyError, and accepted policies evaluate', (t) => {
    fuzz(
      t,
      'policy/parse',
      4000,
      fc.property(policyText, kind, request, fc.date({ noInvalidDate: true }), (text, k, req, now) => {
        const r = outcome(() => parsePolicy(text, k));
        if ('error' in r)
          return assert.ok(r.error instanceof PolicyError, `${r.error.name}: ${r.error.message}`);
        const policy = r.value;
        assert.ok(policy.statements.length > 0);
        for (const s of policy.statements) {
          assert.ok(s.effect === 'Allow' || s.effect === 'Deny');
          assert.ok(s.action.patterns.length > 0 && s.resource.patterns.length > 0);
          assert.equal(s.principal !== undefined, k === 'resource');
        }
        const withTime = { ...req, context: { ...requestTimeContext(now), ...req.context } };
        const e = outcome(() => evaluatePolicies([{ source: 'fuzz', policy }], k, withTime));
        assert.ok('value' in e);
        assert.ok(['Allow', 'Deny', 'NoMatch'].includes(e.value.decision));
        const other = { decision: 'NoMatch' as const, matched: [] };
        const d = outcome(() =>
          decide({
            principal: req.principal,
            resourceAccount: '111111111111',
            identity: k === 'identity' ? e.value : other,
            resource: k === 'resource' ? e.value : other,
          }),
        );
        assert.ok('value' in d && typeof d.value.allowed === 'boolean');
      }),
    );
  });

  test('the layout of the JSON does not change the outcome', (t) => {
    fuzz(
      t,
      'policy/layout',
      1500,
      fc.property(policyObject, kind, (doc, k) => {
        const compact = outcome(() => parsePolicy(JSON.stringify(doc), k, { maxBytes: 1 << 20 }));
        const pretty = outcome(() => parsePolicy(JSON.stringify(doc, null, 4), k, { maxBytes: 1 << 20 }));
        if ('error' in compact || 'error' in pretty) {
          assert.ok('error' in compact && 'error' in pretty, 'only one layout was rejected');
          return assert.equal(compact.error.message, pretty.error.message);
        }
        // JSON form: IP ranges hold closures, which deepEqual compares by identity.
        assert.equal(JSON.stringify(compact.value), JSON.stringify(pretty.value));
      }),
    );
  });

  test('validateBucketPolicy: a parsed policy or MalformedPolicy; accepted ⇒ a valid resource policy', (t) => {
    fuzz(
      t,
      'policy/bucket-rules',
      3000,
      fc.property(policyText, (text) => {
        const r = outcome(() => validateBucketPolicy(text, BUCKET_ARN));
        if ('error' in r) {
          assert.ok(r.error instanceof S3Error, `${r.error.name}: ${r.error.message}`);
          assert.equal(r.error.code, 'MalformedPolicy');
          assert.equal(r.error.status, 400);
          return;
        }
        assert.ok('value' in outcome(() => parsePolicy(text, 'resource')));
      }),
    );
  });
});
