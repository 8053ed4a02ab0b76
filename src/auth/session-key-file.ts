import fs from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeSecretJsonFile } from '../util/files.js';
import {
  MemorySessionKeyRing,
  newSessionKey,
  type SessionKey,
  type SessionKeyRing,
} from './session-key-ring.js';

interface StoredKey {
  id: string;
  /** base64 of 32 random bytes. */
  key: string;
  createdAt: string;
}

interface StoredKeyRing {
  active: string;
  keys: StoredKey[];
}

const KEY_RING_FILE = 'session-keys.json';

/**
 * The key ring of one data dir, `session-keys.json` (0600): created with one key on first
 * start, then read once per start. Every process sharing the data dir (`--workers`) reads the
 * same keys, so any of them opens a token another sealed.
 */
export class FileSessionKeyRing implements SessionKeyRing {
  private constructor(private readonly ring: MemorySessionKeyRing) {}

  /** Loads the key ring from the data dir, creating it (0600) on first start. */
  static open(dataDir: string): FileSessionKeyRing {
    const file = path.join(dataDir, KEY_RING_FILE);
    let stored = readJsonFile<StoredKeyRing>(file);
    if (!stored) {
      const first = newSessionKey();
      stored = {
        active: first.id,
        keys: [{ id: first.id, key: first.key.toString('base64'), createdAt: new Date().toISOString() }],
      };
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeSecretJsonFile(file, stored);
    }
    const keys: SessionKey[] = stored.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
    return new FileSessionKeyRing(new MemorySessionKeyRing(keys, stored.active));
  }

  activeKey(): SessionKey {
    return this.ring.activeKey();
  }

  keyById(id: string): SessionKey | undefined {
    return this.ring.keyById(id);
  }
}
