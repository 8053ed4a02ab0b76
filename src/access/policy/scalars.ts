/**
 * Typed readings of condition values: numbers, dates (W3C ISO 8601 profile or epoch seconds),
 * booleans, base64 and IP ranges. Each returns undefined for text of the wrong shape, so the
 * parser can reject a policy value and the evaluator can treat a request value as not matching.
 */
import { BlockList, isIP } from 'node:net';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

// YYYY, YYYY-MM, YYYY-MM-DD, then optional Thh:mm[:ss[.s…]] and a zone (Z or ±hh:mm).
const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const EPOCH = /^-?\d+(?:\.\d+)?$/;

/** Milliseconds since the epoch. A time without a zone is read as UTC. */
export function parseDate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  // A bare four-digit number reads as a year; any other plain number as epoch seconds.
  if (m === null) return EPOCH.test(text) ? Number(text) * 1000 : undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  const base = Date.UTC(
    Number(y),
    month - 1,
    day,
    Number(h),
    Number(mi),
    Number(s),
    Number(`0.${frac || '0'}`) * 1000,
  );
  if (new Date(base).getUTCDate() !== day) return undefined; // e.g. 2023-02-30
  if (zone === 'Z') return base;
  const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (zm === null) return undefined;
  const offset = (Number(zm[2]) * 60 + Number(zm[3])) * 60_000;
  return zm[1] === '+' ? base - offset : base + offset;
}

/** `true`/`false`, case-insensitively. */
export function parseBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** An address range: `203.0.113.0/24`, `2001:DB8::/32`, or a single address (/32 or /128). */
export interface IpRange {
  family: 'ipv4' | 'ipv6';
  contains(address: string): boolean;
}

export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return undefined;
    prefix = Number(p);
  }
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return {
    family,
    contains(candidate) {
      const v = isIP(candidate);
      if (v === 0) return false;
      return list.check(candidate, v === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
