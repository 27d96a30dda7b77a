/**
 * A tiny least-recently-used cache over a Map (insertion order = recency): `get` refreshes an
 * entry, `set` evicts the oldest ones beyond `max`.
 */
export class Lru<K, V> {
  private readonly items = new Map<K, V>();
  /** The most recently used key: a repeated hit on it needs no reordering. */
  private newest: K | undefined;
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const value = this.items.get(key);
    if (value !== undefined && key !== this.newest) {
      this.items.delete(key);
      this.items.set(key, value);
      this.newest = key;
    }
    return value;
  }
  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    this.newest = key;
    while (this.items.size > this.max) {
      const oldest = this.items.keys().next().value as K;
      this.items.delete(oldest);
    }
  }
  clear(): void {
    this.items.clear();
    this.newest = undefined;
  }
}
