import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeUser } from '../src/normalizeUser';

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 12,
});

const ipLike = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  fc.constant('{{auto}}'),
  fc.constant(null),
  fc.string(),
);

const userLike = fc.record(
  {
    id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
    username: fc.oneof(fc.string({ maxLength: 200 }), fc.integer()),
    email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 100 }), anything),
    ip_address: ipLike,
    geo: fc.oneof(
      fc.record(
        {
          city: fc.oneof(fc.string(), anything),
          country_code: fc.oneof(fc.string({ minLength: 2, maxLength: 2 }), fc.string()),
          region: fc.string(),
          subdivision: fc.string(),
          extra: anything,
        },
        { requiredKeys: [] },
      ),
      anything,
    ),
    Email: fc.string(),
    subscription: anything,
    __proto__: anything,
    constructor: anything,
  },
  { requiredKeys: [] },
);

/** Adds hostile wrappers: Proxies, throwing getters, cycles, frozen copies. */
const hostile = fc.oneof(
  userLike,
  userLike.map((u) => Object.freeze(u)),
  userLike.map((u) => new Proxy(u, {})),
  userLike.map((u) => {
    Object.defineProperty(u, 'email', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    // fast-check prints counterexamples; give it a way that does not hit the getter.
    Object.defineProperty(u, fc.toStringMethod, {
      value: () => `user with keys ${Object.keys(u)}`,
    });
    return u;
  }),
  userLike.map((u) => {
    const v = u as Record<string, unknown>;
    v.self = v;
    return v;
  }),
  anything,
);

function roundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('normalizeUser properties', () => {
  it('never throws, returns JSON, and is idempotent', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        const { user, errors } = normalizeUser(input);
        // The output is JSON: a JSON round trip changes nothing.
        const roundTripped = roundTrip(user);
        // Normalizing again gives the same output and nothing more to drop.
        const again = normalizeUser(user);
        const ok =
          Array.isArray(errors) &&
          isDeepStrictEqual(roundTripped, user) &&
          isDeepStrictEqual(again.user, user) &&
          again.errors.length === 0 &&
          JSON.stringify(roundTrip(errors)) === JSON.stringify(errors);
        // Hostile inputs cannot be printed by the reporter: report the output instead.
        if (!ok) throw new Error(`not idempotent JSON: ${JSON.stringify({ user, again })}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps every valid identity field as given', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 128 }).filter((s) => s.trim() !== ''),
        fc.emailAddress().filter((e) => e.length <= 75),
        fc.ipV4(),
        (id, email, ip) => {
          expect(normalizeUser({ id, email, ip_address: ip })).toEqual({
            user: { id, email, ip_address: ip },
            errors: [],
          });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
