/**
 * Strict parsing of policy documents into the normalized `ParsedPolicy` form. Every rejection is a
 * `PolicyError` whose message names the element at fault, so callers can surface it directly as
 * MalformedPolicy (bucket policies) or MalformedPolicyDocument (identity policies).
 */
import { parseConditionBlock } from './conditions.js';
import { isPlainObject } from './json.js';
import { parsePrincipal } from './principals.js';
import { PolicyError } from './policy-error.js';
import { type ParsedPolicy, type ParsedStatement, type PolicyKind, type ResourcePattern } from './types.js';
import { parseTemplate, splitTemplateArn } from './variables.js';

export interface ParseOptions {
  /** Maximum size of the policy text in UTF-8 bytes; defaults by kind (see DEFAULT_MAX_POLICY_BYTES). */
  maxBytes?: number;
}

export const DEFAULT_MAX_POLICY_BYTES: Readonly<Record<PolicyKind, number>> = {
  identity: 10240,
  resource: 20480,
};

/** The two policy-language versions. Only the current one has policy variables. */
export const POLICY_VERSION_CURRENT = '2012-10-17';
export const POLICY_VERSION_LEGACY = '2008-10-17';

const TOP_LEVEL_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

const ACTION = /^([A-Za-z0-9-]+):([A-Za-z0-9*?_-]+)$/;

export function parsePolicy(text: string, kind: PolicyKind, options: ParseOptions = {}): ParsedPolicy {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_POLICY_BYTES[kind];
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw new PolicyError(`Policy is ${size} bytes, over the limit of ${maxBytes} bytes`);
  if (text.trim() === '') throw new PolicyError('Policy is empty');

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`Policy is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(doc)) throw new PolicyError('Policy must be a JSON object');
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new PolicyError(`Unknown policy element "${key}"`);
  }

  const { Version: version, Id: id, Statement: statement } = doc;
  if (version !== undefined && version !== POLICY_VERSION_CURRENT && version !== POLICY_VERSION_LEGACY) {
    throw new PolicyError(
      `Unsupported policy Version ${JSON.stringify(version)}: expected "${POLICY_VERSION_CURRENT}" or "${POLICY_VERSION_LEGACY}"`,
    );
  }
  if (id !== undefined && typeof id !== 'string') throw new PolicyError('Policy Id must be a string');
  if (statement === undefined) throw new PolicyError('Policy has no Statement');
  const list = Array.isArray(statement) ? statement : [statement];
  if (list.length === 0) throw new PolicyError('Policy Statement must not be empty');

  const variables = version === POLICY_VERSION_CURRENT;
  const statements = list.map((s, index) => parseStatement(s, index, kind, variables));

  const seen = new Set<string>();
  for (const s of statements) {
    if (s.sid === undefined) continue;
    if (seen.has(s.sid)) throw new PolicyError(`Statement ids must be unique: Sid "${s.sid}" is used twice`);
    seen.add(s.sid);
  }
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof version === 'string' ? { version } : {}),
    statements,
  };
}

function parseStatement(raw: unknown, index: number, kind: PolicyKind, variables: boolean): ParsedStatement {
  let where = `Statement ${index + 1}`;
  if (!isPlainObject(raw)) throw new PolicyError(`${where} must be an object`);
  const { Sid: sid } = raw;
  if (sid !== undefined) {
    if (typeof sid !== 'string') throw new PolicyError(`${where}: Sid must be a string`);
    where = `Statement ${index + 1} (Sid "${sid}")`;
    // IAM restricts identity-policy Sids to ASCII letters and digits; resource policies allow any string.
    if (kind === 'identity' && !/^[A-Za-z0-9]*$/.test(sid)) {
      throw new PolicyError(`${where}: Sid may only contain letters and digits`);
    }
  }
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) throw new PolicyError(`${where}: unknown element "${key}"`);
  }

  const effect = raw.Effect;
  if (effect === undefined) throw new PolicyError(`${where}: Effect is missing`);
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyError(`${where}: Effect must be "Allow" or "Deny", not ${JSON.stringify(effect)}`);
  }

  const action = exactlyOne(raw, 'Action', 'NotAction', where);
  const resource = exactlyOne(raw, 'Resource', 'NotResource', where);
  const statement: ParsedStatement = {
    ...(sid !== undefined ? { sid } : {}),
    index,
    effect,
    action: { negated: action.negated, patterns: parseActions(action.value, action.element, where) },
    resource: {
      negated: resource.negated,
      patterns: parseResources(resource.value, resource.element, variables, where),
    },
    conditions: raw.Condition === undefined ? [] : parseConditionBlock(raw.Condition, variables, where),
  };

  if (kind === 'identity') {
    if (raw.Principal !== undefined || raw.NotPrincipal !== undefined) {
      throw new PolicyError(`${where}: identity policies must not contain Principal or NotPrincipal`);
    }
  } else {
    const principal = exactlyOne(raw, 'Principal', 'NotPrincipal', where);
    if (principal.negated && effect === 'Allow') {
      // AWS no longer supports NotPrincipal with Allow: it would grant to everyone else, anonymous included.
      throw new PolicyError(`${where}: NotPrincipal may only be used with "Effect": "Deny"`);
    }
    statement.principal = {
      negated: principal.negated,
      spec: parsePrincipal(principal.value, principal.element, where),
    };
  }
  return statement;
}

function exactlyOne(
  raw: Record<string, unknown>,
  element: string,
  negation: string,
  where: string,
): { element: string; negated: boolean; value: unknown } {
  const has = raw[element] !== undefined;
  const hasNot = raw[negation] !== undefined;
  if (has && hasNot) throw new PolicyError(`${where}: use either ${element} or ${negation}, not both`);
  if (!has && !hasNot) throw new PolicyError(`${where}: ${element} or ${negation} is required`);
  return has
    ? { element, negated: false, value: raw[element] }
    : { element: negation, negated: true, value: raw[negation] };
}

/** A string or a non-empty array of strings. */
function stringList(value: unknown, element: string, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PolicyError(`${where}: ${element} must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string') throw new PolicyError(`${where}: ${element} entries must be strings`);
  }
  return list as string[];
}

function parseActions(value: unknown, element: string, where: string): string[] {
  return stringList(value, element, where).map((action) => {
    if (action === '*') return action;
    const m = ACTION.exec(action);
    if (m === null) {
      const prefix = action.split(':')[0] ?? '';
      const why = /[*?]/.test(prefix)
        ? 'the service prefix cannot contain wildcards'
        : 'expected "*" or "service:Action"';
      throw new PolicyError(`${where}: invalid ${element} "${action}": ${why}`);
    }
    return action;
  });
}

function parseResources(
  value: unknown,
  element: string,
  variables: boolean,
  where: string,
): ResourcePattern[] {
  return stringList(value, element, where).map((text): ResourcePattern => {
    if (text === '*') return { kind: 'any' };
    if (!text.startsWith('arn:'))
      throw new PolicyError(`${where}: invalid ${element} "${text}": expected "*" or an ARN`);
    const segments = splitTemplateArn(parseTemplate(text, variables, `${where} ${element}`));
    const last = segments[segments.length - 1] ?? [];
    const openEnded = last.some((p) => p.kind === 'text' && p.value.includes('*'));
    if (segments.length < 6 && !openEnded) {
      throw new PolicyError(
        `${where}: invalid ${element} "${text}": an ARN has six colon-separated parts (arn:partition:service:region:account:resource)`,
      );
    }
    return { kind: 'arn', text, segments };
  });
}
