// The small LRU behind core's caches (source maps, source lines, improved frames, user tokens),
// checked against a plain model of least-recently-used order on random sequences of reads and
// writes, so that skipping the reorder for the newest key never changes what is evicted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lru } from '../src/lru';

/** The model: keys oldest first, each read or write moves its key to the end. */
function modelLru(max: number) {
  const order: number[] = [];
  const values = new Map<number, string>();
  const touch = (key: number) => {
    const at = order.indexOf(key);
    if (at >= 0) order.splice(at, 1);
    order.push(key);
  };
  return {
    get(key: number) {
      const value = values.get(key);
      if (value !== undefined) touch(key);
      return value;
    },
    set(key: number, value: string) {
      values.set(key, value);
      touch(key);
      while (order.length > max) values.delete(order.shift() as number);
    },
    clear() {
      order.length = 0;
      values.clear();
    },
  };
}

describe('Lru', () => {
  it('keeps and evicts exactly what least-recently-used order says', () => {
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.nat(4) }), weight: 5 },
      {
        arbitrary: fc.record({
          kind: fc.constant('set' as const),
          key: fc.nat(4),
          value: fc.string(),
        }),
        weight: 5,
      },
      { arbitrary: fc.record({ kind: fc.constant('clear' as const) }), weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 60, size: 'max' }),
        (max, ops) => {
          const lru = new Lru<number, string>(max);
          const model = modelLru(max);
          for (const step of ops) {
            if (step.kind === 'set') {
              lru.set(step.key, step.value);
              model.set(step.key, step.value);
            } else if (step.kind === 'get') expect(lru.get(step.key)).toBe(model.get(step.key));
            else {
              lru.clear();
              model.clear();
            }
          }
          for (let key = 0; key <= 4; key++) expect(lru.get(key)).toBe(model.get(key));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts the oldest entry, not one read again since', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    expect(lru.get('a')).toBe(1);
    lru.set('b', 2); // b is now the newest
    expect(lru.get('a')).toBe(1); // and a again
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
  });
});
