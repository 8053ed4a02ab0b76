/**
 * Policy variables (`${aws:username}`, `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`)
 * in Resource/NotResource and in string, ARN and Bool condition values. Only the 2012-10-17
 * language has variables; in 2008-10-17 policies `${…}` is ordinary text.
 *
 * A value is parsed once into a template; resolution then substitutes request values. Substituted
 * text and escapes are literal: a `*` inside a user name never acts as a wildcard.
 */
import { PolicyError } from './policy-error.js';
import { ANY_CHAR, ANY_SEQUENCE, globFromLiteral, globFromText, type GlobItem } from './wildcard.js';

export type TemplatePart =
  | { kind: 'text'; value: string } // policy text: `*` and `?` are wildcards where the operator allows
  | { kind: 'literal'; value: string } // from an escape: never a wildcard
  | { kind: 'var'; key: string; fallback?: string }; // key lower-cased (context keys are case-insensitive)
export type Template = TemplatePart[];

/** Resolves a lower-cased context key to its single value; undefined when absent or multivalued. */
export type VariableLookup = (key: string) => string | undefined;

const ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' };

export function parseTemplate(text: string, variables: boolean, where: string): Template {
  if (!variables || !text.includes('${')) return text === '' ? [] : [{ kind: 'text', value: text }];
  const parts: Template = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) {
      parts.push({ kind: 'text', value: text.slice(i) });
      break;
    }
    if (start > i) parts.push({ kind: 'text', value: text.slice(i, start) });
    const { part, end } = parseVariable(text, start + 2, where);
    parts.push(part);
    i = end;
  }
  return parts;
}

/** Parses `key}` or `key, 'default'}` starting at `pos` (just after `${`). */
function parseVariable(text: string, pos: number, where: string): { part: TemplatePart; end: number } {
  const bad = (why: string) => new PolicyError(`${where}: invalid policy variable in "${text}": ${why}`);
  let i = pos;
  while (i < text.length && text[i] !== '}' && text[i] !== ',') i++;
  if (i >= text.length) throw bad('missing "}"');
  const key = text.slice(pos, i).trim();
  if (key === '') throw bad('empty variable name');
  if (/\s/.test(key)) throw bad('the variable name contains white space');
  let fallback: string | undefined;
  if (text[i] === ',') {
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== "'")
      throw bad("the default value must be in single quotes, e.g. ${aws:username, 'none'}");
    i++;
    let value = '';
    for (;;) {
      if (i >= text.length) throw bad('unterminated default value');
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          value += "'"; // '' is a quote inside the default
          i += 2;
          continue;
        }
        i++;
        break;
      }
      value += text[i++];
    }
    while (text[i] === ' ') i++;
    if (text[i] !== '}') throw bad('missing "}" after the default value');
    fallback = value;
  }
  const end = i + 1;
  const escaped = ESCAPES[key];
  if (escaped !== undefined && fallback === undefined)
    return { part: { kind: 'literal', value: escaped }, end };
  return {
    part: { kind: 'var', key: key.toLowerCase(), ...(fallback !== undefined ? { fallback } : {}) },
    end,
  };
}

export function templateHasVariables(template: Template): boolean {
  return template.some((p) => p.kind === 'var');
}

/**
 * Substitutes variables. Returns undefined when a variable has no value and no default: AWS then
 * treats the value as null, which equals or is like nothing.
 */
export function resolveTemplate(template: Template, lookup: VariableLookup): GlobItem[] | undefined {
  const out: GlobItem[] = [];
  for (const part of template) {
    if (part.kind === 'text') out.push(...globFromText(part.value));
    else if (part.kind === 'literal') out.push(...globFromLiteral(part.value));
    else {
      const value = lookup(part.key) ?? part.fallback;
      if (value === undefined) return undefined;
      out.push(...globFromLiteral(value));
    }
  }
  return out;
}

/** The template's text with wildcards kept as plain characters (for the Equals operators). */
export function resolveTemplateText(template: Template, lookup: VariableLookup): string | undefined {
  const items = resolveTemplate(template, lookup);
  return items?.map((it) => (it === ANY_SEQUENCE ? '*' : it === ANY_CHAR ? '?' : it)).join('');
}

/**
 * Splits an ARN template at the colons of its policy text (never inside a variable or its
 * substituted value) into at most `parts` segments, the last keeping any further colons.
 */
export function splitTemplateArn(template: Template, parts = 6): Template[] {
  const segments: Template[] = [[]];
  for (const part of template) {
    if (part.kind !== 'text') {
      (segments[segments.length - 1] as Template).push(part);
      continue;
    }
    let rest = part.value;
    while (segments.length < parts) {
      const i = rest.indexOf(':');
      if (i < 0) break;
      if (i > 0) (segments[segments.length - 1] as Template).push({ kind: 'text', value: rest.slice(0, i) });
      segments.push([]);
      rest = rest.slice(i + 1);
    }
    if (rest !== '') (segments[segments.length - 1] as Template).push({ kind: 'text', value: rest });
  }
  return segments;
}
