/**
 * The session key ring as the sealer sees it: the key that seals new tokens, and any key that
 * still opens them, by the id each token carries. Where the keys live (a file in the data dir
 * today, the shared database later) is the implementation's business; so is rotation, which
 * only changes what these two methods answer.
 */
import crypto from 'node:crypto';

export interface SessionKey {
  /** Carried in clear in every token sealed with this key. */
  readonly id: string;
  /** 32 bytes: an AES-256-GCM key. */
  readonly key: Buffer;
}

export interface SessionKeyRing {
  /** The key new tokens are sealed with. Asked on every seal, so a rotation takes effect at once. */
  activeKey(): SessionKey;
  /**
   * A key that verifies tokens (the active one or an older one not yet retired), or undefined.
   * The sealer caches opened tokens, so a key may retire only once every token it sealed expired.
   */
  keyById(id: string): SessionKey | undefined;
}

/** A fresh key: 4 random bytes of id (hex) and 32 random bytes of key. */
export function newSessionKey(): SessionKey {
  return { id: crypto.randomBytes(4).toString('hex'), key: crypto.randomBytes(32) };
}

/** A fixed set of keys held in memory; file- and database-backed rings load into one. */
export class MemorySessionKeyRing implements SessionKeyRing {
  private readonly keys = new Map<string, SessionKey>();
  private readonly active: SessionKey;

  constructor(keys: readonly SessionKey[], activeId: string) {
    for (const k of keys) this.keys.set(k.id, k);
    const active = this.keys.get(activeId);
    if (!active) throw new Error('session key ring: active key missing');
    this.active = active;
  }

  activeKey(): SessionKey {
    return this.active;
  }

  keyById(id: string): SessionKey | undefined {
    return this.keys.get(id);
  }
}
