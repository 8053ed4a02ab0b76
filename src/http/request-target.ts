import net from 'node:net';
import { checkKeyLength } from '../protocol/limits.js';
import { decodeComponent } from '../protocol/query.js';

/** Which bucket and key a request addresses, and how it named them. */
export interface RequestTarget {
  bucket?: string;
  key?: string;
  style: 'virtual-hosted' | 'path';
  /**
   * Set when the request named an access point (`…--xa-s3`) in place of the bucket: its name,
   * while `bucket` is then the bucket it is attached to (ZonalServer resolves it).
   */
  accessPoint?: string;
}

/** Host header without its port (`[::1]:9000` → `::1`). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * botocore (boto3, the AWS CLI) names itself in User-Agent as `Botocore/<v>`, `botocore/<v>` or
 * `md/Botocore#<v>`.
 */
const BOTOCORE_AGENT = /(?:^|\s)(?:md\/)?botocore[/#]/i;

/** True for a request from botocore, which writes path-style keys verbatim after `/<bucket>/`. */
export function isBotocore(userAgent: string | undefined): boolean {
  return userAgent !== undefined && BOTOCORE_AGENT.test(userAgent);
}

/**
 * Resolves bucket and key. Virtual-hosted when the first label of Host is a directory bucket
 * name (`<bucket>--<zone>--x-s3.<anything>`) or an access point name (`…--xa-s3`); otherwise
 * path style, where the bucket is the first path segment. The JS SDK's path-style form for IP
 * endpoints is `/<bucket>/` + `/<key>` (two slashes), so one extra slash after the bucket is
 * consumed; botocore sends `/<bucket>/<key>`, so for a request whose User-Agent names botocore
 * (`verbatimKey`) the rest of the path is the key as it stands (docs/COMPATIBILITY.md, Routing).
 */
export function resolveTarget(host: string | undefined, rawPath: string, verbatimKey = false): RequestTarget {
  const hostname = hostnameOf(host ?? '').toLowerCase();
  if (!net.isIP(hostname)) {
    const dot = hostname.indexOf('.');
    const label = dot === -1 ? '' : hostname.slice(0, dot);
    if (label.endsWith('--x-s3') || label.endsWith('--xa-s3')) {
      return { style: 'virtual-hosted', bucket: label, key: decodeKey(rawPath.slice(1)) };
    }
  }
  const afterSlash = rawPath.slice(1);
  const slash = afterSlash.indexOf('/');
  const bucketPart = slash === -1 ? afterSlash : afterSlash.slice(0, slash);
  if (bucketPart === '') return { style: 'path' };
  let rest = slash === -1 ? '' : afterSlash.slice(slash + 1);
  if (rest.startsWith('/') && !verbatimKey) rest = rest.slice(1);
  return { style: 'path', bucket: decodeComponent(bucketPart), key: decodeKey(rest) };
}

function decodeKey(raw: string): string | undefined {
  if (raw === '') return undefined;
  const key = decodeComponent(raw);
  checkKeyLength(key);
  return key;
}
