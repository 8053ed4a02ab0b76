// AWS Signature Version 4 in the browser (WebCrypto), S3-style canonicalization: each path
// segment URI-encoded once, no normalization ("Create a signed AWS API request",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// The secret key never leaves this module except as an HMAC key.

const encoder = new TextEncoder();

const toHex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/** SHA-256 of a string or bytes, lowercase hex. */
export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

async function hmac(key, message) {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message));
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ escaped. */
export function uriEncode(value) {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A path of decoded segments (`/bucket/a b/c`) encoded segment by segment. */
export function encodePath(path) {
  return path.split('/').map(uriEncode).join('/');
}

/** `20261202T040000Z` */
export function amzDate(date) {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/**
 * Signs a request and returns its URL (path and query, same origin) and the headers to send.
 * `query` is a list of [name, value] pairs (values may be ''), `headers` lowercase names.
 * `credentials` { accessKeyId, secretAccessKey, sessionToken? }; `payloadHash` the body's
 * SHA-256 hex or 'UNSIGNED-PAYLOAD'.
 */
export async function signRequest({
  method,
  path,
  query = [],
  headers = {},
  payloadHash,
  credentials,
  region,
  service,
  host = location.host,
  date = new Date(),
}) {
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const all = { ...headers, host, 'x-amz-date': stamp, 'x-amz-content-sha256': payloadHash };
  if (credentials.sessionToken) all['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(all)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(all).map(([n, v]) => [n.toLowerCase(), String(v)]));
  const canonicalHeaders = names.map((n) => `${n}:${lower[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const encodedQuery = query
    .map(([k, v]) => [uriEncode(k), uriEncode(v ?? '')])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalPath = encodePath(path);
  const canonicalRequest = [
    method,
    canonicalPath,
    encodedQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, await sha256Hex(canonicalRequest)].join('\n');
  let key = await hmac(encoder.encode(`AWS4${credentials.secretAccessKey}`), day);
  key = await hmac(key, region);
  key = await hmac(key, service);
  key = await hmac(key, 'aws4_request');
  const signature = toHex(await hmac(key, stringToSign));
  const sendHeaders = { ...lower };
  delete sendHeaders.host; // the browser sets Host itself (and may not be told otherwise)
  sendHeaders.authorization =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { url: canonicalPath + (encodedQuery ? `?${encodedQuery}` : ''), headers: sendHeaders };
}
