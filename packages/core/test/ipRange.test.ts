// CIDR matching (for @x/next's `trustProxy` lists) on core's own IP parser, checked against
// ipaddr.js — the library it replaces — on random networks and addresses.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { formatIpParts, ipInRange, parseCidr, parseIp, parseIpParts } from '../src/ip';
import { anonymizeIp } from '../src/ipAnonymization';

describe('parseCidr / ipInRange', () => {
  it('matches the usual ranges', () => {
    const range = (text: string) => parseCidr(text) ?? expect.unreachable(text);
    expect(ipInRange('10.1.2.3', range('10.0.0.0/8'))).toBe(true);
    expect(ipInRange('11.0.0.1', range('10.0.0.0/8'))).toBe(false);
    expect(ipInRange('127.0.0.1', range('127.0.0.1'))).toBe(true);
    expect(ipInRange('127.0.0.2', range('127.0.0.1'))).toBe(false);
    expect(ipInRange('::ffff:10.0.0.9', range('10.0.0.0/24'))).toBe(true);
    expect(ipInRange('10.0.0.9', range('::ffff:10.0.0.0/120'))).toBe(true);
    expect(ipInRange('fd00::1', range('fc00::/7'))).toBe(true);
    expect(ipInRange('fe80::1', range('fc00::/7'))).toBe(false);
    expect(ipInRange('10.0.0.1', range('::/0'))).toBe(false);
    expect(ipInRange('8.8.8.8', range('0.0.0.0/0'))).toBe(true);
    expect(ipInRange('not an ip', range('0.0.0.0/0'))).toBe(false);
  });

  it.each(['not-a-cidr', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/8', '::/129', '10.0.0.0/-1', ''])(
    'refuses %j',
    (text) => {
      expect(parseCidr(text)).toBeNull();
    },
  );

  it('agrees with ipaddr.js on random IPv4 and IPv6 networks', () => {
    const v4 = fc.tuple(...Array.from({ length: 4 }, () => fc.nat(255))).map((o) => o.join('.'));
    const v6 = fc
      .tuple(...Array.from({ length: 8 }, () => fc.nat(0xffff)))
      .map((g) => g.map((x) => x.toString(16)).join(':'));
    const sameFamily = fc.oneof(
      fc.tuple(v4, v4, fc.nat(32)),
      fc.tuple(v6, v6, fc.nat(128)),
      // Addresses close to the network, so that matches happen often.
      v4.chain((net) => fc.tuple(fc.constant(net), fc.constant(net), fc.nat(32))),
    );
    fc.assert(
      fc.property(sameFamily, ([address, network, bits]) => {
        const range = parseCidr(`${network}/${bits}`);
        expect(range).not.toBeNull();
        const expected = ipaddr.parse(address).match(ipaddr.parseCIDR(`${network}/${bits}`));
        expect(ipInRange(address, range as NonNullable<typeof range>)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseIp', () => {
  const uncached = (text: string) => {
    const parts = parseIpParts(text);
    return parts ? formatIpParts(parts) : null;
  };

  it('answers as the parser does however often, and in whatever order, an address comes again', () => {
    const text = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4().map((ip) => `::ffff:${ip}`),
      fc.ipV6().map((ip) => ip.toUpperCase()),
      fc.string({ maxLength: 80 }),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 700 }), (texts) => {
        // Past the cache's size, then the same texts again in reverse (hits and misses mixed).
        for (const value of [...texts, ...[...texts].reverse(), ...texts])
          expect(parseIp(value)).toBe(uncached(value));
      }),
      { numRuns: 60 },
    );
    expect(parseIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(parseIp('010.0.0.1')).toBeNull();
  });

  it("gives anonymizeIp's unchanged addresses the parser's canonical text, cached or not", () => {
    const text = fc.oneof(
      fc.ipV4(),
      fc.ipV6().map((ip) => ip.toUpperCase()),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 300 }), (texts) => {
        for (const value of [...texts, ...texts]) {
          expect(anonymizeIp(value, 'none')).toBe(uncached(value) ?? undefined);
          const truncated = anonymizeIp(value, 'truncate');
          expect(truncated === undefined).toBe(uncached(value) === null);
        }
      }),
      { numRuns: 40 },
    );
    expect(anonymizeIp('::ffff:203.0.113.77', 'none')).toBe('203.0.113.77');
    expect(anonymizeIp('203.0.113.77', 'truncate')).toBe('203.0.113.0');
    expect(anonymizeIp('not an ip', 'none')).toBeUndefined();
  });
});
