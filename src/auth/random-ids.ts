import crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomBase32(length: number): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

/** Long-term access key id, AWS-shaped (`AKIA` + 16). */
export const newAccessKeyId = (): string => 'AKIA' + randomBase32(16);

/** Temporary (session) access key id, AWS-shaped (`ASIA` + 16). */
export const newSessionAccessKeyId = (): string => 'ASIA' + randomBase32(16);

/** 40-character secret, like AWS's. */
export const newSecretAccessKey = (): string => crypto.randomBytes(30).toString('base64');

/** 12-digit account id. */
export function newAccountId(): string {
  let id = String(1 + crypto.randomInt(9));
  while (id.length < 12) id += String(crypto.randomInt(10));
  return id;
}

/** Request ids: 16 upper-case hex characters, like general purpose S3's. */
export const newRequestId = (): string => crypto.randomBytes(8).toString('hex').toUpperCase();
