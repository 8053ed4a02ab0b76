import crypto from 'node:crypto';

/** ETags are opaque in directory buckets: random, unique per write (spec §5.4). */
export const newEtag = (): string => `"${crypto.randomBytes(16).toString('hex')}"`;
