import http from 'node:http';

/** A URL fit for a message: a presigned query (signature, session token) is left out. */
export function redact(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

export interface ProbeResponse {
  status: number;
  body: Buffer;
}

/** One request on a fresh connection (no agent pooling), for readiness and sanity checks. */
export function request(
  url: string,
  options: { method?: string; body?: Buffer; headers?: http.OutgoingHttpHeaders } = {},
): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          ...(options.body !== undefined ? { 'content-length': options.body.length } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Polls `url` until `accept(status)` holds; resolves with the time of that response
 * (performance.now()). Connection errors while the server starts are expected and retried.
 */
export async function waitForHttp(
  url: string,
  accept: (status: number) => boolean,
  timeoutMs = 15_000,
  pollMs = 2,
  isAlive: () => boolean = () => true,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (!isAlive()) throw new Error(`server exited before answering ${redact(url)} (${last})`);
    try {
      const res = await request(url, { method: 'GET' });
      if (accept(res.status)) return performance.now();
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`${redact(url)} did not answer within ${timeoutMs} ms (${last})`);
}
