import crypto from 'node:crypto';
import { randomBytes } from '../util/random-bytes.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export { randomBytes } from '../util/random-bytes.js';

function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

/** Long-term access key id, AWS-shaped (`AKIA` + 16). */
export const newAccessKeyId = (): string => 'AKIA' + randomBase32(16);

/** Temporary (session) access key id, AWS-shaped (`ASIA` + 16). */
export const newSessionAccessKeyId = (): string => 'ASIA' + randomBase32(16);

/** 40-character secret, like AWS's. */
export const newSecretAccessKey = (): string => randomBytes(30).toString('base64');

/** 12-digit account id. */
export function newAccountId(): string {
  let id = String(1 + crypto.randomInt(9));
  while (id.length < 12) id += String(crypto.randomInt(10));
  return id;
}

/** Request ids: 16 upper-case hex characters, like general purpose S3's. */
export const newRequestId = (): string => randomBytes(8).toString('hex').toUpperCase();
