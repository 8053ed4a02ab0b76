import crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** IAM user ids, AWS-shaped: `AIDA` + 17 base32 characters (stable for the user's lifetime). */
export function newUserId(): string {
  const bytes = crypto.randomBytes(17);
  let out = 'AIDA';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}
