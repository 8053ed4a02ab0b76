import { createHmac } from 'node:crypto';
import { LruMap } from '../util/lru.js';

/**
 * Derives the SigV4 signing key:
 * HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 */
export function deriveSigningKey(secret: string, scopeDate: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', 'AWS4' + secret)
    .update(scopeDate)
    .digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/**
 * Bounded LRU of derived signing keys. A key only changes with the scope date, so a client
 * re-uses the same one for a whole day (or a whole session): caching saves four HMACs per request.
 */
export class SigningKeyCache {
  private readonly entries: LruMap<string, Buffer>;

  constructor(maxEntries = 1024) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
    this.entries = new LruMap(maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  get(secret: string, scopeDate: string, region: string, service: string): Buffer {
    // NUL cannot occur in the scope parts (they are validated header/query text); the secret goes
    // last so the key stays unambiguous whatever the secret contains.
    const cacheKey = `${scopeDate}\0${region}\0${service}\0${secret}`;
    const hit = this.entries.get(cacheKey);
    if (hit !== undefined) return hit;
    const key = deriveSigningKey(secret, scopeDate, region, service);
    this.entries.set(cacheKey, key);
    return key;
  }

  clear(): void {
    this.entries.clear();
  }
}
