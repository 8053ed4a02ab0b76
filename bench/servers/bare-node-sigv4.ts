/**
 * The signature check of the "bare Node + SigV4" reference: Zonal's own SigV4 code
 * (src/auth/sigv4.ts) verifying a presigned request against fixed keys, with nothing else a
 * server does (no session lookup, storage, policy or logging). What Node's `http` plus that
 * one check can serve is the ceiling of any Node server that verifies every signature.
 */
import type http from 'node:http';
import { parseSigV4, verifySigV4 } from '../../src/auth/sigv4.js';
import { SigningKeyCache } from '../../src/auth/signing-key-cache.js';
import { queryParams } from '../../src/protocol/query.js';

/** The reference's keys (the bench signs for it with these; nothing else accepts them). */
export const BARE_NODE_SIGV4_CREDENTIALS = {
  accessKeyId: 'AKIDBARENODEBENCH000',
  secretAccessKey: 'barenodebench/signing/secret/0000000000',
} as const;

const keys = new SigningKeyCache();

/**
 * Whether `req` carries a valid SigV4 signature by BARE_NODE_SIGV4_CREDENTIALS, checked as
 * Zonal checks one (the query parsed once, then parse, time and scope checks, canonical
 * request, HMAC compared in constant time).
 */
export function signatureValid(req: http.IncomingMessage): boolean {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const parts = {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery,
    rawHeaders: req.rawHeaders,
    params: queryParams(rawQuery),
  };
  try {
    const auth = parseSigV4(parts);
    if (auth === null || auth.accessKeyId !== BARE_NODE_SIGV4_CREDENTIALS.accessKeyId) return false;
    verifySigV4(parts, auth, BARE_NODE_SIGV4_CREDENTIALS.secretAccessKey, new Date(), keys);
    return true;
  } catch {
    return false;
  }
}
