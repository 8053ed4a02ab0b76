/**
 * The floor of any Node HTTP server on this machine: Node's `http` with keep-alive and nothing
 * else. A GET answers `size` bytes (from `/<size>/…`, e.g. `/4096/k0`) from memory; a PUT reads
 * its body and answers 200 with an ETag. No auth, storage, checksum or logging.
 *
 * With `sigv4`, a GET must carry a valid presigned signature (bare-node-sigv4.ts), else 403:
 * the same floor plus the one check every request to an S3 server pays.
 *
 * Usage: node bare-node-main.js <port> [sigv4]
 */
import http from 'node:http';
import { signatureValid } from './bare-node-sigv4.js';

const port = Number(process.argv[2]);
const checkSignature = process.argv[3] === 'sigv4';
const bodies = new Map<number, Buffer>();

function bodyOf(size: number): Buffer {
  let body = bodies.get(size);
  if (body === undefined) {
    body = Buffer.alloc(size, 0x5a);
    bodies.set(size, body);
  }
  return body;
}

http
  .createServer({ keepAlive: true }, (req, res) => {
    if (req.method === 'PUT') {
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => {
        res.writeHead(200, { ETag: `"${received}"`, 'Content-Length': '0' });
        res.end();
      });
      return;
    }
    if (checkSignature && !signatureValid(req)) {
      res.writeHead(403, { 'Content-Length': '0' });
      res.end();
      return;
    }
    const size = Number((req.url ?? '').split('/')[1]);
    if (!Number.isInteger(size) || size < 0 || size > 2 ** 24) {
      res.writeHead(404, { 'Content-Length': '0' });
      res.end();
      return;
    }
    const body = bodyOf(size);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      ETag: '"bare"',
    });
    res.end(body);
  })
  .listen(port, '127.0.0.1');
