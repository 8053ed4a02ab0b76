/**
 * `zonal access-point list`: the caller's access points for directory buckets, through the S3
 * Control API (ListAccessPointsForDirectoryBuckets) of a running server. The request is signed
 * here with Zonal's own SigV4 code, so the CLI needs no S3 Control SDK.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { deriveSigningKey } from '../auth/signing-key-cache.js';
import {
  canonicalRequest,
  computeSignature,
  formatAmzDate,
  stringToSign,
  uriEncode,
  type SigV4Auth,
} from '../auth/sigv4.js';
import { zonalConnectionFromEnv, type ZonalConnection } from '../client/environment.js';
import { CONNECTION_USAGE, describeError } from './session.js';

export const ACCESS_POINT_USAGE = `Usage: zonal access-point list [options]

Lists the access points for directory buckets of the caller's account, one per line:
name, bucket and ARN, separated by tabs.

  --bucket <name>      only the access points of this directory bucket
  --account-id <id>    the caller's account (default $ZONAL_ACCOUNT_ID, else asked of STS
                       GetCallerIdentity on the same server)
${CONNECTION_USAGE}`;

const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false });

interface Signed {
  status: number;
  body: string;
}

/** Sends one SigV4-signed request (header form, signed payload) and reads the answer. */
async function signedFetch(
  connection: ZonalConnection,
  service: string,
  method: string,
  path: string,
  query: Record<string, string>,
  headers: Record<string, string>,
  body = '',
): Promise<Signed> {
  const url = new URL(connection.endpoint);
  const rawQuery = Object.entries(query)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join('&');
  const now = new Date();
  const amzDate = formatAmzDate(now);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const all: Record<string, string> = {
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
    ...headers,
  };
  if (connection.credentials.sessionToken) all['x-amz-security-token'] = connection.credentials.sessionToken;
  const signedHeaders = Object.keys(all).sort();
  const auth: SigV4Auth = {
    form: 'header',
    accessKeyId: connection.credentials.accessKeyId,
    scopeDate: amzDate.slice(0, 8),
    region: connection.region,
    service,
    signedHeaders,
    signature: '',
    amzDate,
    requestTime: now,
    payloadHash,
  };
  const rawHeaders = signedHeaders.flatMap((h) => [h, all[h]!]);
  const canonical = canonicalRequest({ method, rawPath: path, rawQuery, rawHeaders }, auth);
  const key = deriveSigningKey(connection.credentials.secretAccessKey, auth.scopeDate, auth.region, service);
  const signature = computeSignature(key, stringToSign(auth, canonical));
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${auth.accessKeyId}/${auth.scopeDate}/${auth.region}/${service}/aws4_request, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  const { host: _host, ...sent } = all;
  const res = await fetch(`${url.origin}${path}${rawQuery ? `?${rawQuery}` : ''}`, {
    method,
    headers: { ...sent, authorization },
    ...(body === '' ? {} : { body }),
  });
  return { status: res.status, body: await res.text() };
}

function failure(what: string, res: Signed): Error {
  const doc = parser.parse(res.body) as Record<string, Record<string, unknown> | undefined>;
  const error = (doc.Error ?? doc.ErrorResponse?.Error ?? {}) as Record<string, unknown>;
  return new Error(`${what}: ${String(error.Code ?? res.status)}: ${String(error.Message ?? res.body)}`);
}

/** The caller's account, from STS GetCallerIdentity on the same server. */
async function callerAccount(connection: ZonalConnection): Promise<string> {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const res = await signedFetch(
    { ...connection, region: 'us-east-1' },
    'sts',
    'POST',
    '/',
    {},
    { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  );
  if (res.status !== 200) throw failure('GetCallerIdentity', res);
  const doc = parser.parse(res.body) as {
    GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Account?: string } };
  };
  const account = doc.GetCallerIdentityResponse?.GetCallerIdentityResult?.Account;
  if (!account) throw new Error('GetCallerIdentity named no account');
  return account;
}

interface AccessPointLine {
  Name?: string;
  Bucket?: string;
  AccessPointArn?: string;
}

async function listAccessPoints(
  connection: ZonalConnection,
  accountId: string,
  bucket: string | undefined,
): Promise<string> {
  const lines: string[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = {
      ...(bucket === undefined ? {} : { directoryBucket: bucket }),
      ...(token === undefined ? {} : { nextToken: token }),
    };
    const res = await signedFetch(
      connection,
      's3express',
      'GET',
      '/v20180820/accesspointfordirectory',
      query,
      {
        'x-amz-account-id': accountId,
      },
    );
    if (res.status !== 200) throw failure('ListAccessPointsForDirectoryBuckets', res);
    const result = (
      parser.parse(res.body) as {
        ListAccessPointsForDirectoryBucketsResult?: {
          AccessPointList?: { AccessPoint?: AccessPointLine | AccessPointLine[] } | '';
          NextToken?: string;
        };
      }
    ).ListAccessPointsForDirectoryBucketsResult;
    const list = result?.AccessPointList === '' ? undefined : result?.AccessPointList?.AccessPoint;
    for (const ap of list === undefined ? [] : Array.isArray(list) ? list : [list]) {
      lines.push([ap.Name, ap.Bucket, ap.AccessPointArn].join('\t'));
    }
    token = result?.NextToken;
  } while (token !== undefined && token !== '');
  return lines.join('\n');
}

/** `zonal access-point list`; returns the exit code. */
export async function accessPoint(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(ACCESS_POINT_USAGE);
    return subcommand === undefined ? 1 : 0;
  }
  if (subcommand !== 'list') {
    console.error(`unknown access-point command: ${subcommand}\n\n${ACCESS_POINT_USAGE}`);
    return 1;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        bucket: { type: 'string' },
        'account-id': { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(ACCESS_POINT_USAGE);
      return 0;
    }
    const connection = zonalConnectionFromEnv(process.env, {
      endpoint: values.endpoint,
      region: values.region,
    });
    const accountId =
      values['account-id'] ?? process.env['ZONAL_ACCOUNT_ID'] ?? (await callerAccount(connection));
    const output = await listAccessPoints(connection, accountId, values.bucket);
    if (output !== '') console.log(output);
    return 0;
  } catch (err) {
    console.error(`zonal access-point list: ${describeError(err)}`);
    return 1;
  }
}
