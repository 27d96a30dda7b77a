// The envelope's `sent_at` on a server: the ISO text of the time, with each second's text kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoNow } from '../src/isoNow';

describe('isoNow', () => {
  it('is the ISO text of the time it is given, across seconds, years and the epoch', () => {
    const instants = fc.oneof(
      fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_999 }),
      // Many instants within a few seconds: the kept second's text is reused and replaced.
      fc.integer({ min: 1_700_000_000_000, max: 1_700_000_003_000 }),
    );
    fc.assert(
      fc.property(fc.array(instants, { minLength: 1, maxLength: 20 }), (times) => {
        for (const t of times) expect(isoNow(t)).toBe(new Date(t).toISOString());
      }),
    );
    for (const t of [0, -1, 999, 1000, 1001, 1_700_000_000_999, 1_700_000_001_000])
      expect(isoNow(t)).toBe(new Date(t).toISOString());
    expect(isoNow(1.5)).toBe(new Date(1.5).toISOString());
  });

  it('is now by default', () => {
    const before = Date.now();
    const now = Date.parse(isoNow());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
