/**
 * A minimal HTTP/1.1 client over a raw TCP socket, for requests node's own client refuses to
 * send (odd header bytes, duplicates, any Host) and for watching what happens to the connection
 * afterwards: each response is parsed strictly, and a server that stops answering is a timeout.
 */
import net from 'node:net';

export interface RawHttpResponse {
  status: number;
  /** Header lines as received, names lower-cased, duplicates kept. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** The server said `Connection: close` (or answered with HTTP/1.0 without keep-alive). */
  closes: boolean;
}

export function headerOf(res: RawHttpResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n === name)?.[1];
}

/** Serializes a request. Header values are sent as UTF-8 bytes (as the SDKs do). */
export function serializeRequest(
  method: string,
  target: string,
  headers: Array<[string, string]>,
  body: Buffer,
): Buffer {
  const head =
    `${method} ${target} HTTP/1.1\r\n` + headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n';
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

export class RawConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d]);
      this.wake?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', (err) => {
      // A reset after the server answered and closed is a close; reported only if it matters.
      this.error = err;
      this.ended = true;
      this.wake?.();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Waits until `ready` returns a value, more bytes arrive, or the deadline passes. */
  private async until<T>(ready: () => T | undefined, deadline: number, what: string): Promise<T> {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout: ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /**
   * Reads one final response (skipping 1xx). `head` for answers to HEAD, which have no body.
   * Rejects on a timeout, on a connection closed mid-response and on malformed framing.
   */
  async readResponse(head: boolean, timeoutMs: number): Promise<RawHttpResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.until(
        () => {
          const parsed = this.tryParse(head);
          if (parsed !== undefined) return parsed;
          if (this.ended) {
            const got =
              this.buffer.length === 0 ? 'no response' : `a truncated response (${this.buffer.length} bytes)`;
            throw new Error(`connection closed with ${got}${this.error ? `: ${this.error.message}` : ''}`);
          }
          return undefined;
        },
        deadline,
        `no complete response within ${timeoutMs} ms`,
      );
      if (response.status >= 200 || response.status < 100) return response;
    }
  }

  /** Resolves true if the server closes the connection within `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    try {
      await this.until(() => (this.ended ? true : undefined), Date.now() + timeoutMs, 'close');
      return true;
    } catch {
      return false;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Parses one response from the front of the buffer, or undefined if incomplete. */
  private tryParse(head: boolean): RawHttpResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]!);
    if (!statusLine) throw new Error(`malformed status line: ${JSON.stringify(lines[0])}`);
    const status = Number(statusLine[2]);
    const headers: Array<[string, string]> = lines.slice(1).map((l) => {
      const colon = l.indexOf(':');
      if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(l)}`);
      return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()];
    });
    const get = (n: string): string | undefined => headers.find(([h]) => h === n)?.[1];
    const connection = (get('connection') ?? '').toLowerCase();
    const closes =
      connection.includes('close') || (statusLine[1] === '0' && !connection.includes('keep-alive'));
    let rest = this.buffer.subarray(end + 4);
    let body: Buffer;
    if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
    } else if ((get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) {
      const parsed = parseChunked(rest);
      if (parsed === undefined) return undefined;
      body = parsed.body;
      rest = rest.subarray(parsed.used);
    } else if (get('content-length') !== undefined) {
      const length = Number(get('content-length'));
      if (!Number.isSafeInteger(length) || length < 0)
        throw new Error(`bad content-length ${get('content-length')}`);
      if (rest.length < length) return undefined;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    } else {
      // Delimited by the close of the connection.
      if (!this.ended) return undefined;
      body = rest;
      rest = Buffer.alloc(0);
    }
    this.buffer = rest;
    return { status, headers, body, closes };
  }
}

function parseChunked(buf: Buffer): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunked response');
    pos = eol + 2;
    if (size === 0) {
      const trailerEnd = buf.indexOf('\r\n', pos);
      if (trailerEnd < 0) return undefined;
      // Trailers (none expected): skip lines up to the empty one.
      let p = pos;
      for (;;) {
        const e = buf.indexOf('\r\n', p);
        if (e < 0) return undefined;
        if (e === p) return { body: Buffer.concat(parts), used: e + 2 };
        p = e + 2;
      }
    }
    if (buf.length < pos + size + 2) return undefined;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}
