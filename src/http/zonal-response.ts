import {
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
} from 'node:http';

/**
 * The server's response class: headers every response of a request carries (request id,
 * `Server`) are kept here and sent with the status line's own headers in one `writeHead`,
 * instead of through `setHeader`. Once any header is set with `setHeader`, node turns every
 * header of `writeHead` into a `setHeader` call of its own; keeping them apart saves that on
 * every response. A header set with `setHeader` still goes out as before.
 */
export class ZonalResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  /** Header names and values, in pairs, sent first on whatever response this becomes. */
  leading: string[] = [];

  override writeHead(
    statusCode: number,
    reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    if (typeof reason === 'string') return super.writeHead(statusCode, reason, this.withLeading(headers));
    return super.writeHead(statusCode, this.withLeading(reason ?? headers));
  }

  private withLeading(headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined): OutgoingHttpHeader[] {
    const all: OutgoingHttpHeader[] = this.leading.slice();
    if (headers === undefined) return all;
    if (Array.isArray(headers)) {
      // Flat [name, value, …], or [[name, value], …] (both are node's).
      for (const h of headers) {
        if (Array.isArray(h) && Array.isArray(headers[0])) all.push(h[0]!, h[1]!);
        else all.push(h);
      }
      return all;
    }
    for (const name in headers) all.push(name, headers[name] as OutgoingHttpHeader);
    return all;
  }
}
