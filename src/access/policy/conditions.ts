/**
 * The Condition element: parsing operator blocks into clauses and evaluating them.
 *
 * AWS semantics implemented here (IAM User Guide, "IAM JSON policy elements: Condition operators"
 * and "Conditions with multiple context keys or values"):
 * - Operator blocks and the keys inside a block are ANDed; the values of one key are ORed, and for a
 *   negated operator (StringNotEquals, NotIpAddress, ArnNotLike, …) NORed: "matches none of them".
 * - A key absent from the request context makes a positive operator false and a negated one true.
 * - `…IfExists` is true when the key is absent, and otherwise behaves as the base operator.
 * - `ForAllValues:` is true when every request value passes (also when the key is absent or empty);
 *   `ForAnyValue:` when at least one does (false when absent). A negated operator tests each request
 *   value as "matches none of the policy values".
 * - `Null`: "true" means the key is absent, "false" that it is present.
 * Without a qualifier, a multivalued request key passes a positive operator when any of its values
 * matches, and a negated one when none does.
 */
import { isPlainObject } from './json.js';
import { parseBase64, parseBool, parseCidr, parseDate, parseNumber, type IpRange } from './scalars.js';
import { PolicyError } from './policy-error.js';
import {
  parseTemplate,
  resolveTemplate,
  resolveTemplateText,
  splitTemplateArn,
  templateHasVariables,
  type Template,
  type VariableLookup,
} from './variables.js';
import { arnSegmentsMatch, globMatch, type GlobItem } from './wildcard.js';

type Comparison = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

/** The policy values of one clause, pre-parsed for their operator family. */
export type ConditionTest =
  | { kind: 'string'; mode: 'equals' | 'equalsIgnoreCase' | 'like'; values: Template[] }
  | { kind: 'arn'; values: Template[][] } // one template per ARN segment
  | { kind: 'numeric'; comparison: Comparison; values: number[] }
  | { kind: 'date'; comparison: Comparison; values: number[] }
  | { kind: 'bool'; values: Template[] }
  | { kind: 'binary'; values: Buffer[] }
  | { kind: 'ip'; values: IpRange[] }
  | { kind: 'null'; values: boolean[] };

export interface ConditionClause {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  /** The context key as written; `keyLower` is what lookups use. */
  key: string;
  keyLower: string;
  qualifier?: 'ForAllValues' | 'ForAnyValue';
  ifExists: boolean;
  negated: boolean;
  test: ConditionTest;
}

type Family = ConditionTest['kind'];
interface OperatorDef {
  family: Family;
  negated: boolean;
  mode?: 'equals' | 'equalsIgnoreCase' | 'like';
  comparison?: Comparison;
}

const OPERATORS: Record<string, OperatorDef> = {
  StringEquals: { family: 'string', negated: false, mode: 'equals' },
  StringNotEquals: { family: 'string', negated: true, mode: 'equals' },
  StringEqualsIgnoreCase: { family: 'string', negated: false, mode: 'equalsIgnoreCase' },
  StringNotEqualsIgnoreCase: { family: 'string', negated: true, mode: 'equalsIgnoreCase' },
  StringLike: { family: 'string', negated: false, mode: 'like' },
  StringNotLike: { family: 'string', negated: true, mode: 'like' },
  NumericEquals: { family: 'numeric', negated: false, comparison: 'eq' },
  NumericNotEquals: { family: 'numeric', negated: true, comparison: 'eq' },
  NumericLessThan: { family: 'numeric', negated: false, comparison: 'lt' },
  NumericLessThanEquals: { family: 'numeric', negated: false, comparison: 'le' },
  NumericGreaterThan: { family: 'numeric', negated: false, comparison: 'gt' },
  NumericGreaterThanEquals: { family: 'numeric', negated: false, comparison: 'ge' },
  DateEquals: { family: 'date', negated: false, comparison: 'eq' },
  DateNotEquals: { family: 'date', negated: true, comparison: 'eq' },
  DateLessThan: { family: 'date', negated: false, comparison: 'lt' },
  DateLessThanEquals: { family: 'date', negated: false, comparison: 'le' },
  DateGreaterThan: { family: 'date', negated: false, comparison: 'gt' },
  DateGreaterThanEquals: { family: 'date', negated: false, comparison: 'ge' },
  Bool: { family: 'bool', negated: false },
  BinaryEquals: { family: 'binary', negated: false },
  IpAddress: { family: 'ip', negated: false },
  NotIpAddress: { family: 'ip', negated: true },
  // ArnEquals and ArnLike behave identically (both take wildcards), as do their negations.
  ArnEquals: { family: 'arn', negated: false },
  ArnLike: { family: 'arn', negated: false },
  ArnNotEquals: { family: 'arn', negated: true },
  ArnNotLike: { family: 'arn', negated: true },
  Null: { family: 'null', negated: false },
};
const OPERATORS_BY_LOWER = new Map(Object.entries(OPERATORS).map(([name, def]) => [name.toLowerCase(), def]));

/** Every condition operator name without qualifier or IfExists, for documentation and tests. */
export const CONDITION_OPERATORS: readonly string[] = Object.keys(OPERATORS);

interface OperatorName {
  def: OperatorDef;
  qualifier?: 'ForAllValues' | 'ForAnyValue';
  ifExists: boolean;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts. Names compare case-insensitively. */
function parseOperatorName(name: string, where: string): OperatorName {
  let rest = name;
  let qualifier: OperatorName['qualifier'];
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'forallvalues') qualifier = 'ForAllValues';
    else if (prefix === 'foranyvalue') qualifier = 'ForAnyValue';
    else
      throw new PolicyError(
        `${where}: unknown condition set operator "${rest.slice(0, colon)}" in "${name}"`,
      );
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  let def = OPERATORS_BY_LOWER.get(rest.toLowerCase());
  if (def === undefined && rest.toLowerCase().endsWith('ifexists')) {
    def = OPERATORS_BY_LOWER.get(rest.slice(0, -'ifexists'.length).toLowerCase());
    ifExists = def !== undefined;
  }
  if (def === undefined) throw new PolicyError(`${where}: unknown condition operator "${name}"`);
  if (def.family === 'null' && (ifExists || qualifier !== undefined)) {
    throw new PolicyError(
      `${where}: the Null operator takes neither IfExists nor ${qualifier ?? 'a set qualifier'}`,
    );
  }
  return { def, ifExists, ...(qualifier ? { qualifier } : {}) };
}

/** A condition value as text: JSON strings, numbers and booleans are accepted, as AWS does. */
function scalarText(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  throw new PolicyError(`${where}: condition values must be strings, numbers or booleans`);
}

function compileTest(def: OperatorDef, texts: string[], variables: boolean, where: string): ConditionTest {
  const typed = <T>(parse: (t: string) => T | undefined, what: string): T[] =>
    texts.map((t) => {
      const v = parse(t);
      if (v === undefined) throw new PolicyError(`${where}: "${t}" is not ${what}`);
      return v;
    });
  switch (def.family) {
    case 'string':
      return {
        kind: 'string',
        mode: def.mode ?? 'equals',
        values: texts.map((t) => parseTemplate(t, variables, where)),
      };
    case 'arn':
      return { kind: 'arn', values: texts.map((t) => splitTemplateArn(parseTemplate(t, variables, where))) };
    case 'bool':
      return {
        kind: 'bool',
        values: texts.map((t) => {
          const template = parseTemplate(t, variables, where);
          if (!templateHasVariables(template) && parseBool(t) === undefined)
            throw new PolicyError(`${where}: "${t}" is not true or false`);
          return template;
        }),
      };
    case 'numeric':
      return { kind: 'numeric', comparison: def.comparison ?? 'eq', values: typed(parseNumber, 'a number') };
    case 'date':
      return {
        kind: 'date',
        comparison: def.comparison ?? 'eq',
        values: typed(parseDate, 'an ISO 8601 date or epoch seconds'),
      };
    case 'binary':
      return { kind: 'binary', values: typed(parseBase64, 'base64') };
    case 'ip':
      return { kind: 'ip', values: typed(parseCidr, 'an IPv4 or IPv6 address or CIDR range') };
    case 'null':
      return { kind: 'null', values: typed(parseBool, 'true or false') };
  }
}

/** Parses a statement's `Condition` element. `variables` is true for 2012-10-17 policies. */
export function parseConditionBlock(block: unknown, variables: boolean, where: string): ConditionClause[] {
  if (!isPlainObject(block)) throw new PolicyError(`${where}: Condition must be an object`);
  const clauses: ConditionClause[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    const name = parseOperatorName(operator, `${where} Condition`);
    if (!isPlainObject(keys) || Object.keys(keys).length === 0) {
      throw new PolicyError(`${where}: Condition operator "${operator}" must map condition keys to values`);
    }
    for (const [key, raw] of Object.entries(keys)) {
      const at = `${where} Condition "${operator}" key "${key}"`;
      if (key.trim() === '') throw new PolicyError(`${where}: Condition "${operator}" has an empty key`);
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) throw new PolicyError(`${at}: at least one value is required`);
      const texts = list.map((v) => scalarText(v, at));
      clauses.push({
        operator,
        key,
        keyLower: key.toLowerCase(),
        ...(name.qualifier ? { qualifier: name.qualifier } : {}),
        ifExists: name.ifExists,
        negated: name.def.negated,
        test: compileTest(name.def, texts, variables, at),
      });
    }
  }
  return clauses;
}

/** What a clause needs from the request: the key's values, and single values for variables. */
export interface ConditionContext {
  /** All values of a (lower-cased) key; undefined when the key is absent. */
  values(key: string): readonly string[] | undefined;
  lookup: VariableLookup;
}

export function evaluateClause(clause: ConditionClause, ctx: ConditionContext): boolean {
  const values = ctx.values(clause.keyLower) ?? [];
  const present = values.length > 0; // an empty list is an empty data set: treated as absent
  if (clause.test.kind === 'null') {
    const wanted = clause.test.values;
    return wanted.some((wantAbsent) => wantAbsent === !present);
  }
  if (!present) {
    if (clause.ifExists) return true;
    if (clause.qualifier === 'ForAllValues') return true;
    if (clause.qualifier === 'ForAnyValue') return false;
    return clause.negated;
  }
  const matches = positiveMatcher(clause.test, ctx.lookup);
  switch (clause.qualifier) {
    case 'ForAllValues':
      return values.every((v) => matches(v) !== clause.negated);
    case 'ForAnyValue':
      return values.some((v) => matches(v) !== clause.negated);
    default:
      return values.some(matches) !== clause.negated;
  }
}

/**
 * A predicate "request value matches at least one policy value" for the non-negated form of the
 * operator. Policy values whose variables cannot be resolved drop out (they match nothing), and a
 * request value of the wrong type (e.g. not a number) matches nothing.
 */
function positiveMatcher(test: ConditionTest, lookup: VariableLookup): (value: string) => boolean {
  switch (test.kind) {
    case 'string': {
      if (test.mode === 'like') {
        const patterns = defined(test.values.map((t) => resolveTemplate(t, lookup)));
        return (v) => patterns.some((p) => globMatch(p, v));
      }
      const texts = defined(test.values.map((t) => resolveTemplateText(t, lookup)));
      if (test.mode === 'equals') return (v) => texts.includes(v);
      const lower = texts.map((t) => t.toLowerCase());
      return (v) => lower.includes(v.toLowerCase());
    }
    case 'arn': {
      const patterns = defined(test.values.map((segments) => resolveSegments(segments, lookup)));
      return (v) => patterns.some((p) => arnSegmentsMatch(p, v));
    }
    case 'bool': {
      const wanted = defined(test.values.map((t) => resolveTemplateText(t, lookup)))
        .map(parseBool)
        .filter((b): b is boolean => b !== undefined);
      return (v) => {
        const b = parseBool(v);
        return b !== undefined && wanted.includes(b);
      };
    }
    case 'numeric':
      return compareWith(parseNumber, test.values, test.comparison);
    case 'date':
      return compareWith(parseDate, test.values, test.comparison);
    case 'binary':
      return (v) => {
        const bytes = parseBase64(v);
        return bytes !== undefined && test.values.some((b) => b.equals(bytes));
      };
    case 'ip':
      return (v) => test.values.some((range) => range.contains(v));
    case 'null':
      return () => false; // handled before matching
  }
}

function compareWith(
  parse: (text: string) => number | undefined,
  policyValues: number[],
  comparison: Comparison,
): (value: string) => boolean {
  return (text) => {
    const v = parse(text);
    if (v === undefined) return false;
    return policyValues.some((p) => {
      switch (comparison) {
        case 'eq':
          return v === p;
        case 'lt':
          return v < p;
        case 'le':
          return v <= p;
        case 'gt':
          return v > p;
        case 'ge':
          return v >= p;
      }
    });
  };
}

/** Resolves every segment of an ARN template; undefined if any variable is unresolved. */
export function resolveSegments(segments: Template[], lookup: VariableLookup): GlobItem[][] | undefined {
  const out: GlobItem[][] = [];
  for (const segment of segments) {
    const items = resolveTemplate(segment, lookup);
    if (items === undefined) return undefined;
    out.push(items);
  }
  return out;
}

function defined<T>(items: (T | undefined)[]): T[] {
  return items.filter((x): x is T => x !== undefined);
}
