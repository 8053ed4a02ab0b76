import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setCommonHeaders } from '../../src/http/respond.js';
import { ZonalResponse } from '../../src/http/zonal-response.js';

/** Each path answers in one of the ways handlers do; every answer must carry the common headers. */
const ANSWERS: Record<string, (res: http.ServerResponse) => void> = {
  '/object': (res) => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 }).end('ok'),
  '/reason': (res) => res.writeHead(201, 'Made', ['x-flat', 'a', 'Content-Length', '0']).end(),
  '/nested': (res) =>
    res
      .writeHead(202, [
        ['x-nested', 'b'],
        ['Content-Length', '0'],
      ])
      .end(),
  '/implicit': (res) => {
    res.statusCode = 203;
    res.end('implicit');
  },
  '/set-first': (res) => {
    res.setHeader('x-set', 'c');
    res.writeHead(204, { 'x-also': 'd' }).end();
  },
};

let server: http.Server;
let port: number;
before(async () => {
  server = http.createServer({ ServerResponse: ZonalResponse }, (req, res) => {
    setCommonHeaders(res, 'REQ123');
    ANSWERS[req.url!]!(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get({ port, path, agent: false }, (res) => resolve(res.resume())).on('error', reject);
  });
}

test('the common headers go out with every form of writeHead, implicit headers and setHeader', async () => {
  const expected: Record<string, [number, Record<string, string>]> = {
    '/object': [200, { 'content-type': 'text/plain' }],
    '/reason': [201, { 'x-flat': 'a' }],
    '/nested': [202, { 'x-nested': 'b' }],
    '/implicit': [203, {}],
    '/set-first': [204, { 'x-set': 'c', 'x-also': 'd' }],
  };
  for (const [path, [status, own]] of Object.entries(expected)) {
    const res = await get(path);
    assert.equal(res.statusCode, status, path);
    assert.equal(res.headers['x-amz-request-id'], 'REQ123', path);
    assert.equal(res.headers['x-amz-id-2'], 'REQ123', path);
    assert.equal(res.headers.server, 'Zonal', path);
    for (const [name, value] of Object.entries(own))
      assert.equal(res.headers[name], value, `${path} ${name}`);
  }
  assert.equal((await get('/reason')).statusMessage, 'Made');
});
