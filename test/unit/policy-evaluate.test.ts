/**
 * evaluatePolicies and decide: Action/NotAction, Resource/NotResource (with variables),
 * Principal/NotPrincipal, explicit deny, same- vs cross-account decisions, and policies taken
 * from AWS documentation (each cites its page).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  decide,
  evaluatePolicies,
  parsePolicy,
  requestTimeContext,
  type ContextValue,
  type EvaluationRequest,
  type PolicyEvaluation,
  type PolicyKind,
  type PrincipalInfo,
} from '../../src/access/policy/index.js';

const ACCT = '111111111111';
const OTHER = '222222222222';
const BUCKET = `arn:aws:s3express:us-east-1:${ACCT}:bucket/b--use1-az4--x-s3`;
const OTHER_BUCKET = `arn:aws:s3express:us-east-1:${ACCT}:bucket/other--use1-az4--x-s3`;

const user = (account: string, name: string): PrincipalInfo => ({
  arn: `arn:aws:iam::${account}:user/${name}`,
  accountId: account,
  isRoot: false,
  userName: name,
  userId: `AIDA${name.toUpperCase()}`,
});
const root = (account: string): PrincipalInfo => ({
  arn: `arn:aws:iam::${account}:root`,
  accountId: account,
  isRoot: true,
});
const ALICE = user(ACCT, 'alice');
const BOB = user(ACCT, 'bob');
const CAROL = user(OTHER, 'carol');

function request(
  principal: PrincipalInfo,
  action = 's3express:CreateSession',
  resource = BUCKET,
  context: Record<string, ContextValue> = {},
): EvaluationRequest {
  return { principal, action, resource, context };
}

function evaluate(
  kind: PolicyKind,
  doc: unknown,
  req: EvaluationRequest,
  source = 'policy',
): PolicyEvaluation {
  return evaluatePolicies([{ source, policy: parsePolicy(JSON.stringify(doc), kind) }], kind, req);
}

const identity = (statement: unknown) => ({ Version: '2012-10-17', Statement: statement });

test('Action patterns and NotAction', () => {
  const allow = (action: unknown) => identity({ Effect: 'Allow', Action: action, Resource: '*' });
  assert.equal(evaluate('identity', allow('s3express:CreateSession'), request(ALICE)).decision, 'Allow');
  assert.equal(evaluate('identity', allow('S3EXPRESS:createsession'), request(ALICE)).decision, 'Allow');
  assert.equal(
    evaluate('identity', allow(['s3express:Get*', 's3express:Create*']), request(ALICE)).decision,
    'Allow',
  );
  assert.equal(evaluate('identity', allow('s3express:Get*'), request(ALICE)).decision, 'NoMatch');

  const notAction = identity({ Effect: 'Allow', NotAction: 's3express:Delete*', Resource: '*' });
  assert.equal(evaluate('identity', notAction, request(ALICE)).decision, 'Allow');
  assert.equal(evaluate('identity', notAction, request(ALICE, 's3express:DeleteBucket')).decision, 'NoMatch');
});

test('Resource patterns and NotResource', () => {
  const allow = (resource: unknown) => identity({ Effect: 'Allow', Action: '*', Resource: resource });
  assert.equal(evaluate('identity', allow(BUCKET), request(ALICE)).decision, 'Allow');
  assert.equal(
    evaluate('identity', allow(`arn:aws:s3express:*:${ACCT}:bucket/*`), request(ALICE)).decision,
    'Allow',
  );
  assert.equal(
    evaluate('identity', allow(`arn:aws:s3express:*:${OTHER}:bucket/*`), request(ALICE)).decision,
    'NoMatch',
  );
  assert.equal(evaluate('identity', allow([OTHER_BUCKET, BUCKET]), request(ALICE)).decision, 'Allow');

  const notResource = identity({ Effect: 'Allow', Action: '*', NotResource: OTHER_BUCKET });
  assert.equal(evaluate('identity', notResource, request(ALICE)).decision, 'Allow');
  assert.equal(
    evaluate('identity', notResource, request(ALICE, undefined, OTHER_BUCKET)).decision,
    'NoMatch',
  );
});

test('variables in Resource; 2008-10-17 treats them literally', () => {
  const doc = (version: string) => ({
    Version: version,
    Statement: {
      Effect: 'Allow',
      Action: '*',
      Resource: 'arn:aws:s3express:us-east-1:${aws:PrincipalAccount}:bucket/${aws:username}--*',
    },
  });
  const aliceBucket = `arn:aws:s3express:us-east-1:${ACCT}:bucket/alice--use1-az4--x-s3`;
  assert.equal(
    evaluate('identity', doc('2012-10-17'), request(ALICE, undefined, aliceBucket)).decision,
    'Allow',
  );
  assert.equal(
    evaluate('identity', doc('2012-10-17'), request(BOB, undefined, aliceBucket)).decision,
    'NoMatch',
  );
  assert.equal(
    evaluate('identity', doc('2012-10-17'), request(CAROL, undefined, aliceBucket)).decision,
    'NoMatch',
  );
  assert.equal(
    evaluate('identity', doc('2008-10-17'), request(ALICE, undefined, aliceBucket)).decision,
    'NoMatch',
  );
  const literal = 'arn:aws:s3express:us-east-1:${aws:PrincipalAccount}:bucket/${aws:username}--x';
  assert.equal(evaluate('identity', doc('2008-10-17'), request(ALICE, undefined, literal)).decision, 'Allow');
});

test('an unresolved variable: Resource matches nothing, NotResource excludes nothing', () => {
  const rootReq = request(root(ACCT), undefined, `arn:aws:s3express:us-east-1:${ACCT}:bucket/x`);
  const res = identity({
    Effect: 'Allow',
    Action: '*',
    Resource: `arn:aws:s3express:*:*:bucket/\${aws:username}`,
  });
  assert.equal(evaluate('identity', res, rootReq).decision, 'NoMatch');
  const withDefault = identity({
    Effect: 'Allow',
    Action: '*',
    Resource: "arn:aws:s3express:*:*:bucket/${aws:username, 'x'}",
  });
  assert.equal(evaluate('identity', withDefault, rootReq).decision, 'Allow');
  const notRes = identity({
    Effect: 'Deny',
    Action: '*',
    NotResource: `arn:aws:s3express:*:*:bucket/\${aws:username}`,
  });
  assert.equal(evaluate('identity', notRes, rootReq).decision, 'Deny');
});

test('explicit Deny wins across policies; every matching statement is reported', () => {
  const policies = [
    {
      source: 'managed/ReadWrite',
      policy: parsePolicy(
        JSON.stringify(identity([{ Sid: 'All', Effect: 'Allow', Action: 's3express:*', Resource: '*' }])),
        'identity',
      ),
    },
    {
      source: 'inline/guard',
      policy: parsePolicy(
        JSON.stringify(
          identity([
            { Effect: 'Allow', Action: 's3express:CreateSession', Resource: BUCKET },
            { Sid: 'NoDeletes', Effect: 'Deny', Action: 's3express:Delete*', Resource: '*' },
          ]),
        ),
        'identity',
      ),
    },
  ];
  const del = evaluatePolicies(policies, 'identity', request(ALICE, 's3express:DeleteBucket'));
  assert.equal(del.decision, 'Deny');
  assert.deepEqual(del.matched, [
    { source: 'managed/ReadWrite', sid: 'All', index: 0, effect: 'Allow' },
    { source: 'inline/guard', sid: 'NoDeletes', index: 1, effect: 'Deny' },
  ]);
  const create = evaluatePolicies(policies, 'identity', request(ALICE));
  assert.equal(create.decision, 'Allow');
  assert.equal(create.matched.length, 2);
  assert.deepEqual(evaluatePolicies([], 'identity', request(ALICE)), { decision: 'NoMatch', matched: [] });
});

test('Principal forms in resource policies and how they match', () => {
  const bucketPolicy = (principal: unknown) => ({
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Principal: principal, Action: 's3express:CreateSession', Resource: BUCKET },
  });
  const how = (principal: unknown, who: PrincipalInfo) => {
    const r = evaluate('resource', bucketPolicy(principal), request(who));
    return r.decision === 'Allow' ? r.matched[0]?.principalMatch : undefined;
  };
  assert.equal(how('*', CAROL), 'any');
  assert.equal(how({ AWS: '*' }, ALICE), 'any');
  assert.equal(how({ AWS: ACCT }, ALICE), 'account');
  assert.equal(how({ AWS: `arn:aws:iam::${ACCT}:root` }, BOB), 'account');
  assert.equal(how({ AWS: ACCT }, root(ACCT)), 'principal', 'the root user is the account');
  assert.equal(how({ AWS: ACCT }, CAROL), undefined);
  assert.equal(how({ AWS: ALICE.arn }, ALICE), 'principal');
  assert.equal(how({ AWS: ALICE.arn }, BOB), undefined);
  assert.equal(
    how({ AWS: `arn:aws:iam::${ACCT}:user/ALICE` }, ALICE),
    undefined,
    'principal ARNs are case-sensitive',
  );
  assert.equal(how({ AWS: [OTHER, ALICE.arn] }, ALICE), 'principal');
  assert.equal(how({ AWS: [OTHER, ALICE.arn] }, CAROL), 'account');
  assert.equal(
    how({ Service: 's3.amazonaws.com' }, ALICE),
    undefined,
    'service principals never match IAM principals',
  );
});

test('NotPrincipal exempts a principal only when it and its account are listed (NotPrincipal page)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
  const denyAllBut = (notPrincipal: unknown) => ({
    Version: '2012-10-17',
    Statement: { Effect: 'Deny', NotPrincipal: notPrincipal, Action: 's3express:*', Resource: [BUCKET] },
  });
  const denied = (notPrincipal: unknown, who: PrincipalInfo) =>
    evaluate('resource', denyAllBut(notPrincipal), request(who)).decision === 'Deny';

  const both = { AWS: [ALICE.arn, `arn:aws:iam::${ACCT}:root`] };
  assert.equal(denied(both, ALICE), false);
  assert.equal(denied(both, BOB), true);
  assert.equal(denied(both, CAROL), true);
  assert.equal(denied(both, root(ACCT)), false);
  assert.equal(denied({ AWS: ALICE.arn }, ALICE), true, 'without the account ARN the account is denied');
  assert.equal(denied({ AWS: ACCT }, ALICE), true, 'the account alone does not exempt its users');
  assert.equal(denied({ AWS: ACCT }, root(ACCT)), false);
  assert.equal(denied('*', CAROL), false);
  // Matched NotPrincipal statements carry no principalMatch.
  assert.deepEqual(evaluate('resource', denyAllBut({ AWS: OTHER }), request(ALICE)).matched[0], {
    source: 'policy',
    index: 0,
    effect: 'Deny',
  });
});

test('conditions are evaluated against the request context', () => {
  const doc = identity({
    Effect: 'Allow',
    Action: 's3express:CreateSession',
    Resource: '*',
    Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
  });
  assert.equal(
    evaluate('identity', doc, request(ALICE, undefined, undefined, { 's3express:SessionMode': 'ReadOnly' }))
      .decision,
    'Allow',
  );
  assert.equal(
    evaluate('identity', doc, request(ALICE, undefined, undefined, { 's3express:SessionMode': 'ReadWrite' }))
      .decision,
    'NoMatch',
  );
  assert.equal(evaluate('identity', doc, request(ALICE)).decision, 'NoMatch');
});

test('requestTimeContext supplies aws:CurrentTime and aws:EpochTime', () => {
  const now = new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 123));
  assert.deepEqual(requestTimeContext(now), {
    'aws:CurrentTime': '2024-05-01T12:00:00Z',
    'aws:EpochTime': '1714564800',
  });
  const doc = identity({
    Effect: 'Allow',
    Action: '*',
    Resource: '*',
    Condition: {
      DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' },
      DateLessThan: { 'aws:EpochTime': '1735689600' },
    },
  });
  assert.equal(
    evaluate('identity', doc, request(ALICE, undefined, undefined, requestTimeContext(now))).decision,
    'Allow',
  );
  const later = requestTimeContext(new Date(Date.UTC(2025, 0, 2)));
  assert.equal(evaluate('identity', doc, request(ALICE, undefined, undefined, later)).decision, 'NoMatch');
});

// decide -----------------------------------------------------------------------------------------

const NONE: PolicyEvaluation = { decision: 'NoMatch', matched: [] };
const idAllow: PolicyEvaluation = {
  decision: 'Allow',
  matched: [{ source: 'user/alice', sid: 'S', index: 0, effect: 'Allow' }],
};
const idDeny: PolicyEvaluation = {
  decision: 'Deny',
  matched: [{ source: 'user/alice', index: 2, effect: 'Deny' }],
};
const resAllow = (principalMatch: 'any' | 'principal' | 'account'): PolicyEvaluation => ({
  decision: 'Allow',
  matched: [{ source: 'bucket-policy', sid: 'Grant', index: 0, effect: 'Allow', principalMatch }],
});
const resDeny: PolicyEvaluation = {
  decision: 'Deny',
  matched: [{ source: 'bucket-policy', index: 1, effect: 'Deny' }],
};

test('decide: same account', () => {
  const d = (principal: PrincipalInfo, id: PolicyEvaluation, res: PolicyEvaluation) =>
    decide({ principal, resourceAccount: ACCT, identity: id, resource: res });
  const rows: [string, PrincipalInfo, PolicyEvaluation, PolicyEvaluation, boolean, RegExp][] = [
    ['identity allow only', ALICE, idAllow, NONE, true, /identity allowed by user\/alice statement "S"/],
    ['resource names the user', ALICE, NONE, resAllow('principal'), true, /resource policy allows/],
    ['resource grants everyone', ALICE, NONE, resAllow('any'), true, /resource policy allows/],
    ['resource grants only the account', ALICE, NONE, resAllow('account'), false, /grants only the account/],
    ['account grant plus identity allow', ALICE, idAllow, resAllow('account'), true, /identity allowed/],
    ['nothing', ALICE, NONE, NONE, false, /Implicitly denied/],
    [
      'identity deny beats resource allow',
      ALICE,
      idDeny,
      resAllow('principal'),
      false,
      /Explicitly denied by user\/alice statement #3/,
    ],
    [
      'resource deny beats identity allow',
      ALICE,
      idAllow,
      resDeny,
      false,
      /Explicitly denied by bucket-policy statement #2/,
    ],
    ['root needs no policy', root(ACCT), NONE, NONE, true, /account root user/],
    ['root can be denied by the bucket policy', root(ACCT), NONE, resDeny, false, /Explicitly denied/],
  ];
  for (const [name, principal, id, res, allowed, reason] of rows) {
    const out = d(principal, id, res);
    assert.equal(out.allowed, allowed, name);
    assert.match(out.reason, reason, name);
    assert.deepEqual(out.matched, [...id.matched, ...res.matched], name);
  }
});

test('decide: cross-account needs both sides', () => {
  const d = (principal: PrincipalInfo, id: PolicyEvaluation, res: PolicyEvaluation) =>
    decide({ principal, resourceAccount: ACCT, identity: id, resource: res });
  const rows: [string, PrincipalInfo, PolicyEvaluation, PolicyEvaluation, boolean, RegExp][] = [
    ['identity only', CAROL, idAllow, NONE, false, /no resource policy statement allows it/],
    ['resource only', CAROL, NONE, resAllow('principal'), false, /no identity policy allows it/],
    ['neither', CAROL, NONE, NONE, false, /no identity policy allows it and no resource policy/],
    ['both (account grant)', CAROL, idAllow, resAllow('account'), true, /Cross-account/],
    ['both (user grant)', CAROL, idAllow, resAllow('principal'), true, /Cross-account/],
    ['other root with an account grant', root(OTHER), NONE, resAllow('account'), true, /account root user/],
    ['other root without a grant', root(OTHER), NONE, NONE, false, /no resource policy statement/],
    ['deny wins', CAROL, idAllow, resDeny, false, /Explicitly denied/],
  ];
  for (const [name, principal, id, res, allowed, reason] of rows) {
    const out = d(principal, id, res);
    assert.equal(out.allowed, allowed, name);
    assert.match(out.reason, reason, name);
  }
});

test('end to end: bucket policy and identity policy evaluated, then decided', () => {
  // Example bucket policies for directory buckets (S3 User Guide):
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-security-iam-example-bucket-policies.html
  const bucketPolicy = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadOnlyAccess',
          Effect: 'Allow',
          Principal: { AWS: OTHER },
          Action: 's3express:CreateSession',
          Resource: '*',
          Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
        },
      ],
    }),
    'resource',
  );
  const carolPolicy = parsePolicy(
    JSON.stringify(identity({ Effect: 'Allow', Action: 's3express:CreateSession', Resource: BUCKET })),
    'identity',
  );
  const run = (mode: string) => {
    const req = request(CAROL, undefined, undefined, { 's3express:SessionMode': mode });
    return decide({
      principal: CAROL,
      resourceAccount: ACCT,
      identity: evaluatePolicies([{ source: 'user/carol', policy: carolPolicy }], 'identity', req),
      resource: evaluatePolicies([{ source: 'bucket-policy', policy: bucketPolicy }], 'resource', req),
    });
  };
  assert.equal(run('ReadOnly').allowed, true);
  assert.equal(run('ReadWrite').allowed, false);
});

// AWS documentation examples ---------------------------------------------------------------------

test('AWS example: deny when not over TLS (Bool aws:SecureTransport)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
  const doc = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BooleanExample',
        Action: 's3:*',
        Effect: 'Deny',
        Resource: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
  const req = (secure: string) =>
    request(ALICE, 's3:GetObject', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/key', { 'aws:SecureTransport': secure });
  assert.equal(evaluate('identity', doc, req('false')).decision, 'Deny');
  assert.equal(evaluate('identity', doc, req('true')).decision, 'NoMatch');
});

test('AWS example: per-user home directory with StringLike and ${aws:username}', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
  const doc = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:ListAllMyBuckets', 's3:GetBucketLocation'],
        Resource: 'arn:aws:s3:::*',
      },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::BUCKET-NAME',
        Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/'] } },
      },
      {
        Effect: 'Allow',
        Action: 's3:*',
        Resource: [
          'arn:aws:s3:::BUCKET-NAME/home/${aws:username}',
          'arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*',
        ],
      },
    ],
  };
  const list = (prefix: string) =>
    evaluate(
      'identity',
      doc,
      request(ALICE, 's3:ListBucket', 'arn:aws:s3:::BUCKET-NAME', { 's3:prefix': prefix }),
    ).decision;
  assert.equal(list(''), 'Allow');
  assert.equal(list('home/'), 'Allow');
  assert.equal(list('home/alice/'), 'Allow');
  assert.equal(list('home/bob/'), 'NoMatch');
  const get = (key: string) =>
    evaluate('identity', doc, request(ALICE, 's3:GetObject', `arn:aws:s3:::BUCKET-NAME/${key}`)).decision;
  assert.equal(get('home/alice/notes.txt'), 'Allow');
  assert.equal(get('home/bob/notes.txt'), 'NoMatch');
  assert.equal(
    evaluate('identity', doc, request(ALICE, 's3:ListAllMyBuckets', 'arn:aws:s3:::anything')).decision,
    'Allow',
  );
});

test('AWS example: queues named after the user (${aws:username}-queue)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-resourceelement
  const doc = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ListForConsole', Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
      {
        Sid: 'AllQueueActions',
        Effect: 'Allow',
        Action: 'sqs:*',
        Resource: 'arn:aws:sqs:us-east-2:*:${aws:username}-queue',
      },
    ],
  };
  const q = (name: string, region = 'us-east-2') =>
    evaluate('identity', doc, request(ALICE, 'sqs:SendMessage', `arn:aws:sqs:${region}:${ACCT}:${name}`))
      .decision;
  assert.equal(q('alice-queue'), 'Allow');
  assert.equal(q('bob-queue'), 'NoMatch');
  assert.equal(q('alice-queue', 'us-west-2'), 'NoMatch');
});

test('AWS example: IPv4 and IPv6 ranges together (IpAddress aws:SourceIp)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
  const doc = {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: 'someservice:*',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64'] } },
    },
  };
  const from = (ip: string | undefined) =>
    evaluate(
      'identity',
      doc,
      request(ALICE, 'someservice:Do', BUCKET, ip === undefined ? {} : { 'aws:SourceIp': ip }),
    ).decision;
  assert.equal(from('203.0.113.10'), 'Allow');
  assert.equal(from('2001:db8:1234:5678::1'), 'Allow');
  assert.equal(from('198.51.100.1'), 'NoMatch');
  assert.equal(
    from(undefined),
    'NoMatch',
    'via a VPC endpoint there is no aws:SourceIp: the condition is false',
  );
});

test('AWS example: only long-term credentials (Null aws:TokenIssueTime)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
  const doc = {
    Version: '2012-10-17',
    Statement: {
      Action: 'ec2:*',
      Effect: 'Allow',
      Resource: '*',
      Condition: { Null: { 'aws:TokenIssueTime': 'true' } },
    },
  };
  assert.equal(evaluate('identity', doc, request(ALICE, 'ec2:RunInstances', '*')).decision, 'Allow');
  const temp = request(ALICE, 'ec2:RunInstances', '*', { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' });
  assert.equal(evaluate('identity', doc, temp).decision, 'NoMatch');
});

test('AWS example: credentials issued after a date (DateGreaterThan aws:TokenIssueTime)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
  const doc = {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: 'iam:*AccessKey*',
      Resource: `arn:aws:iam::${ACCT}:user/*`,
      Condition: { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
    },
  };
  const at = (issued?: string) =>
    evaluate(
      'identity',
      doc,
      request(
        ALICE,
        'iam:CreateAccessKey',
        ALICE.arn,
        issued === undefined ? {} : { 'aws:TokenIssueTime': issued },
      ),
    ).decision;
  assert.equal(at('2020-06-01T00:00:00Z'), 'Allow');
  assert.equal(at('2019-06-01T00:00:00Z'), 'NoMatch');
  assert.equal(at(undefined), 'NoMatch', 'an IAM user with access keys has no aws:TokenIssueTime');
});

test('AWS example: deny updates to protected attributes (ForAnyValue:StringLike)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
  const doc = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: 'dynamodb:PutItem',
        Resource: `arn:aws:dynamodb:us-east-1:${ACCT}:table/Thread`,
        Condition: { 'ForAnyValue:StringLike': { 'dynamodb:requestedAttributes': ['ID', 'PostDateTime'] } },
      },
    ],
  };
  const put = (attributes: string[]) =>
    evaluate(
      'identity',
      doc,
      request(ALICE, 'dynamodb:PutItem', `arn:aws:dynamodb:us-east-1:${ACCT}:table/Thread`, {
        'dynamodb:requestedAttributes': attributes,
      }),
    ).decision;
  assert.equal(put(['UserName', 'Message', 'PostDateTime']), 'Deny');
  assert.equal(put(['UserName']), 'NoMatch');
});

test('AWS example: SQS queue policy for an SNS topic (ArnEquals aws:SourceArn, account principal)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
  const doc = {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Principal: { AWS: ACCT },
      Action: 'SQS:SendMessage',
      Resource: `arn:aws:sqs:us-east-1:${ACCT}:QUEUE-ID`,
      Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${ACCT}:TOPIC-ID` } },
    },
  };
  const send = (context: Record<string, string>) =>
    evaluate(
      'resource',
      doc,
      request(ALICE, 'sqs:SendMessage', `arn:aws:sqs:us-east-1:${ACCT}:QUEUE-ID`, context),
    ).decision;
  assert.equal(send({ 'aws:SourceArn': `arn:aws:sns:us-east-1:${ACCT}:TOPIC-ID` }), 'Allow');
  assert.equal(send({ 'aws:SourceArn': `arn:aws:sns:us-east-1:${ACCT}:OTHER` }), 'NoMatch');
  assert.equal(send({}), 'NoMatch', 'a direct call by an IAM user has no aws:SourceArn');
});

test('AWS example: directory-bucket policy granting CreateSession to an account', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-security-iam-example-bucket-policies.html
  const bucket = 'arn:aws:s3express:us-west-2:111122223333:bucket/amzn-s3-demo-bucket--usw2-az1--x-s3';
  const doc = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadWriteAccess',
        Effect: 'Allow',
        Resource: bucket,
        Principal: { AWS: ['arn:aws:iam::111122223333:root'] },
        Action: ['s3express:CreateSession'],
      },
    ],
  };
  const dave = user('111122223333', 'dave');
  const res = evaluate('resource', doc, request(dave, 's3express:CreateSession', bucket));
  assert.equal(res.decision, 'Allow');
  assert.deepEqual(res.matched, [
    { source: 'policy', sid: 'ReadWriteAccess', index: 0, effect: 'Allow', principalMatch: 'account' },
  ]);
  // The grant is to the account: its users still need an identity policy.
  assert.equal(
    decide({ principal: dave, resourceAccount: '111122223333', identity: NONE, resource: res }).allowed,
    false,
  );
  assert.equal(
    decide({ principal: dave, resourceAccount: '111122223333', identity: idAllow, resource: res }).allowed,
    true,
  );
  assert.equal(
    evaluate('resource', doc, request(dave, 's3express:CreateBucket', bucket)).decision,
    'NoMatch',
  );
});
