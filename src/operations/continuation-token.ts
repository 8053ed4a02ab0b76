import { invalidArgument } from '../errors/s3-error.js';

/**
 * Continuation tokens are opaque to clients: a versioned, base64url-encoded position. They
 * carry no secret and grant nothing; a tampered token only moves the listing's start.
 */
const VERSION = 'z1:';
const MAX_TOKEN_LENGTH = 1024 * 2;

export function encodeToken(position: string): string {
  return Buffer.from(VERSION + position, 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  const text = token.length > MAX_TOKEN_LENGTH ? '' : Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(VERSION)) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return text.slice(VERSION.length);
}
