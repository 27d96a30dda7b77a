/**
 * A tiny least-recently-used cache over a Map (insertion order = recency): `get` refreshes an
 * entry, `set` evicts the oldest ones beyond `max`.
 */
export class Lru<K, V> {
  private readonly items = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const value = this.items.get(key);
    if (value !== undefined) {
      this.items.delete(key);
      this.items.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    while (this.items.size > this.max) {
      const oldest = this.items.keys().next().value as K;
      this.items.delete(oldest);
    }
  }
  clear(): void {
    this.items.clear();
  }
}
