import crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * CSPRNG bytes drawn from a 4 KiB buffer refilled when used up: one call into OpenSSL per
 * ~100 requests instead of several per request (8% of CreateSession's CPU before). Every byte
 * is handed out once; the caller gets a copy.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

export function randomBytes(length: number): Buffer {
  if (length > pool.length) return crypto.randomBytes(length);
  if (poolOffset + length > pool.length) {
    crypto.randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + length));
  poolOffset += length;
  return out;
}

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
