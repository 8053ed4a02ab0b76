// Zonal's own APIs, called from the browser with the signed-in key pair: S3 (path style,
// signed for s3express), the IAM and STS Query APIs, and the root-only admin API under /_zonal/.
// Every failure becomes an ApiError carrying the service's error code and message.
import { sha256Hex, signRequest } from './sigv4.js';

const STORAGE_KEY = 'zonal.console.credentials';
const UNSIGNED = 'UNSIGNED-PAYLOAD';

export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

let region;

/** The region to sign for, from the server (`/console/config.json`). */
export async function serverRegion() {
  if (region === undefined) {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (!res.ok)
      throw new ApiError(res.status, 'ConsoleUnavailable', 'The console configuration could not be read.');
    region = (await res.json()).region;
  }
  return region;
}

/** The signed-in key pair (kept in sessionStorage: gone when the tab closes), or undefined. */
export function credentials() {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  return raw ? JSON.parse(raw) : undefined;
}

export function saveCredentials(value) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
}

export function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
}

export function parseXml(text) {
  return new DOMParser().parseFromString(text, 'application/xml');
}

/** The first element named `name` below `node` (namespaces ignored), its text or undefined. */
export function textOf(node, name) {
  const el = node.getElementsByTagName(name)[0];
  return el ? el.textContent : undefined;
}

/** The error a failed answer carries: an S3 or IAM XML error document, or JSON, or its status. */
function errorFrom(status, text, requestId) {
  if (text && text.trimStart().startsWith('<')) {
    const doc = parseXml(text);
    const code = textOf(doc, 'Code');
    if (code)
      return new ApiError(status, code, textOf(doc, 'Message') ?? '', requestId ?? textOf(doc, 'RequestId'));
  }
  return new ApiError(
    status,
    `HTTP${status}`,
    text ? text.slice(0, 300) : `The server answered ${status}.`,
    requestId,
  );
}

async function payloadHashOf(body) {
  if (body === undefined || body === null) return sha256Hex('');
  if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body))
    return sha256Hex(body);
  return UNSIGNED; // a File or Blob: S3 allows an unsigned payload, so large files are not read twice
}

async function signed({ method, path, query, headers, body, service }) {
  const creds = credentials();
  if (!creds) throw new ApiError(0, 'NotSignedIn', 'Sign in first.');
  return signRequest({
    method,
    path,
    query,
    headers,
    payloadHash: await payloadHashOf(body),
    credentials: creds,
    region: await serverRegion(),
    service,
  });
}

/** A signed request with fetch; resolves to the Response when it succeeded (2xx), else throws ApiError. */
export async function request({
  method = 'GET',
  path,
  query = [],
  headers = {},
  body,
  service = 's3express',
}) {
  const { url, headers: sendHeaders } = await signed({ method, path, query, headers, body, service });
  let res;
  try {
    res = await fetch(url, { method, headers: sendHeaders, body, cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, 'NetworkError', `The server could not be reached: ${err.message}`);
  }
  if (!res.ok) throw errorFrom(res.status, await res.text(), res.headers.get('x-amz-request-id'));
  return res;
}

/** A signed request with XMLHttpRequest, for upload progress. Resolves to { status, header(name), text }. */
export async function requestWithProgress({ method, path, query = [], headers = {}, body, onProgress }) {
  const { url, headers: sendHeaders } = await signed({
    method,
    path,
    query,
    headers,
    body,
    service: 's3express',
  });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(sendHeaders)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
    xhr.onerror = () => reject(new ApiError(0, 'NetworkError', 'The upload was interrupted.'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ status: xhr.status, header: (n) => xhr.getResponseHeader(n), text: xhr.responseText });
      } else {
        reject(errorFrom(xhr.status, xhr.responseText, xhr.getResponseHeader('x-amz-request-id')));
      }
    };
    xhr.send(body);
  });
}

/** An S3 call answering XML: the parsed document. */
export async function s3Xml(options) {
  const res = await request(options);
  return parseXml(await res.text());
}

/** An IAM or STS Query API action; resolves to the XML document of its answer. */
export async function query(service, action, params = {}) {
  const form = new URLSearchParams({
    Action: action,
    Version: service === 'iam' ? '2010-05-08' : '2011-06-15',
  });
  for (const [name, value] of Object.entries(params)) if (value !== undefined) form.set(name, value);
  const body = form.toString();
  const res = await request({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
    service,
  });
  return parseXml(await res.text());
}

/** A root-only admin API call (`/_zonal/<path>`), JSON both ways. */
export async function admin(method, path, body) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const res = await request({
    method,
    path: `/_zonal/${path}`,
    headers: text === undefined ? {} : { 'content-type': 'application/json' },
    body: text,
    service: 's3',
  });
  return res.json();
}
