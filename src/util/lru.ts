/** An entry and when it last moved to the newest end (a count of moves and inserts). */
interface Slot<V> {
  value: V;
  movedAt: number;
}

/**
 * A Map bounded to `maxEntries`: reading or writing a key makes it the most recently used,
 * and inserting beyond the bound drops the least recently used entry.
 *
 * Moving an entry to the newest end costs a Map delete and insert, on every read of a hot
 * key. A key that is already among the newest half is left where it is: it is still at least
 * half the bound away from eviction, so what is dropped stays a least recently used entry in
 * all but the order within that half.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, Slot<V>>();
  /** Moves and inserts so far: `moves - slot.movedAt` is how far an entry is from the newest end. */
  private moves = 0;
  private readonly newestHalf: number;

  constructor(
    readonly maxEntries: number,
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.newestHalf = Math.floor(maxEntries / 2);
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    if (this.moves - slot.movedAt >= this.newestHalf) {
      this.map.delete(key);
      this.map.set(key, slot);
      slot.movedAt = ++this.moves;
    }
    return slot.value;
  }

  /** Stores the value as most recently used, evicting the oldest entry when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, movedAt: ++this.moves });
    if (this.map.size > this.maxEntries) {
      const [oldestKey, oldest] = this.map.entries().next().value as [K, Slot<V>];
      this.map.delete(oldestKey);
      this.onEvict(oldestKey, oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** Entries from least to most recently used. */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, slot] of this.map) yield [key, slot.value];
  }
}
