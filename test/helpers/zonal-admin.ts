import { ROOT_KEY } from './zonal-fixture.js';
import { send, signRequest, type RawResponse } from './raw-signing.js';

/** A SigV4-signed (service `s3`) request to Zonal's own `/_zonal/…` operations. */
export async function zonalAdmin(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  credentials: { accessKeyId: string; secretAccessKey: string } = ROOT_KEY,
): Promise<RawResponse & { json?: unknown }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const request = await signRequest(
    port,
    { method, path, body: text, headers: text ? { 'content-type': 'application/json' } : {} },
    { credentials, service: 's3' },
  );
  const res = await send(request, port);
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { ...res, json };
}

/** Sets the test clock's offset from real time (the server must run with `testClock`). */
export async function setClockOffset(port: number, offsetSeconds: number): Promise<void> {
  const res = await zonalAdmin(port, 'POST', '/_zonal/clock', { offsetSeconds });
  if (res.status !== 200) throw new Error(`POST /_zonal/clock: ${res.status} ${res.body}`);
}

/** Runs one lifecycle pass now; returns its report. */
export async function runLifecycle(
  port: number,
): Promise<{ buckets: number; expiredObjects: number; abortedUploads: number }> {
  const res = await zonalAdmin(port, 'POST', '/_zonal/lifecycle/run');
  if (res.status !== 200) throw new Error(`POST /_zonal/lifecycle/run: ${res.status} ${res.body}`);
  return res.json as { buckets: number; expiredObjects: number; abortedUploads: number };
}
