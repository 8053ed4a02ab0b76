import http from 'node:http';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The listening socket's settings: protocol, keep-alive and the limits a client may not exceed.
 * Kept apart from the request flow so transport concerns live in one place.
 */
export function createHttpFront(handler: RequestHandler): http.Server {
  const server = http.createServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 65_000;
  return server;
}
