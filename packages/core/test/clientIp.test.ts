// The client-IP rule itself. tests/clientIp.test.ts checks it against proxy-addr, @x/next and
// the inbox on one table; here are the cases a reader should see spelled out.
import { describe, expect, it } from 'vitest';
import { clientIpFromHeaders } from '../src/clientIp';

const h = (record: Record<string, string>) => new Headers(record);
const spoofed = h({
  'x-forwarded-for': '6.6.6.6',
  'x-real-ip': '6.6.6.6',
  'x-client-ip': '6.6.6.6',
  'cf-connecting-ip': '6.6.6.6',
  forwarded: 'for=6.6.6.6',
  'true-client-ip': '6.6.6.6',
});

describe('clientIpFromHeaders', () => {
  it('believes no header without trustProxy', () => {
    expect(clientIpFromHeaders(spoofed, undefined)).toBeUndefined();
    expect(clientIpFromHeaders(spoofed, false)).toBeUndefined();
    expect(clientIpFromHeaders(spoofed, 0)).toBeUndefined();
    expect(clientIpFromHeaders(spoofed, false, '::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientIpFromHeaders(spoofed, [], '10.1.2.3')).toBe('10.1.2.3');
  });

  it('a hop count takes the entry the trusted proxies appended', () => {
    const chain = h({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' });
    expect(clientIpFromHeaders(chain, 1)).toBe('10.0.0.2');
    expect(clientIpFromHeaders(chain, 2)).toBe('203.0.113.7');
    expect(clientIpFromHeaders(chain, 9)).toBe('6.6.6.6');
    // With a socket (Pages API, Node servers) the socket is the first hop.
    expect(clientIpFromHeaders(chain, 1, '127.0.0.1')).toBe('10.0.0.2');
    expect(clientIpFromHeaders(chain, 0, '127.0.0.1')).toBe('127.0.0.1');
    expect(clientIpFromHeaders(h({}), 1, '127.0.0.1')).toBe('127.0.0.1');
    expect(clientIpFromHeaders(h({}), 1)).toBeUndefined();
    // A count does not look at the addresses it skips, as Express's does not.
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '1.2.3.4, junk' }), 2, '::1')).toBe(
      '1.2.3.4',
    );
  });

  it('a CIDR list skips trusted proxies from the socket leftwards', () => {
    const chain = h({ 'x-forwarded-for': '6.6.6.6, 198.51.100.4, 10.0.0.2, 10.0.0.3' });
    expect(clientIpFromHeaders(chain, ['10.0.0.0/8'])).toBe('198.51.100.4');
    expect(clientIpFromHeaders(chain, ['10.0.0.0/8', '198.51.100.4'])).toBe('6.6.6.6');
    expect(clientIpFromHeaders(chain, ['10.0.0.0/8'], '10.9.9.9')).toBe('198.51.100.4');
    // An untrusted socket is the client, whatever the header says.
    expect(clientIpFromHeaders(chain, ['10.0.0.0/8'], '192.0.2.1')).toBe('192.0.2.1');
    expect(
      clientIpFromHeaders(h({ 'x-forwarded-for': '2001:db8::5, fd00::1' }), ['fd00::/8']),
    ).toBe('2001:db8::5');
  });

  it("takes proxy-addr's names, netmasks and comma-separated strings", () => {
    const chain = h({ 'x-forwarded-for': '203.0.113.1, 192.168.1.1, 10.0.0.1' });
    expect(clientIpFromHeaders(chain, 'loopback', '127.0.0.1')).toBe('10.0.0.1');
    expect(clientIpFromHeaders(chain, 'loopback, uniquelocal', '::1')).toBe('203.0.113.1');
    expect(clientIpFromHeaders(chain, ['loopback', '10.0.0.0/255.0.0.0'], '::1')).toBe(
      '192.168.1.1',
    );
    expect(
      clientIpFromHeaders(
        h({ 'x-forwarded-for': '203.0.113.1, 169.254.0.9' }),
        'linklocal',
        'fe80::1%eth0',
      ),
    ).toBe('203.0.113.1');
  });

  it('reads IPv4-mapped addresses as IPv4 and IPv4-compatible ones as IPv6, as ipaddr.js does', () => {
    const mapped = h({ 'x-forwarded-for': '203.0.113.1, ::ffff:10.0.0.1' });
    expect(clientIpFromHeaders(mapped, '10.0.0.0/8', '10.0.0.2')).toBe('203.0.113.1');
    expect(clientIpFromHeaders(mapped, '::ffff:10.0.0.0/104', '10.0.0.2')).toBe('203.0.113.1');
    const compatible = h({ 'x-forwarded-for': '203.0.113.1, ::10.0.0.1' });
    expect(clientIpFromHeaders(compatible, '10.0.0.0/8', '10.0.0.2')).toBe('10.0.0.1');
    expect(clientIpFromHeaders(compatible, ['10.0.0.0/8', '::/96'], '10.0.0.2')).toBe(
      '203.0.113.1',
    );
  });

  it('throws at once, naming the entry, for a setting Express would refuse', () => {
    const chain = h({ 'x-forwarded-for': '6.6.6.6' });
    expect(() => clientIpFromHeaders(chain, ['not-a-cidr'])).toThrow(
      /trustProxy entry "not-a-cidr"/,
    );
    for (const bad of ['10.0.0.0/0', '::/0', '10.0.0.0/33', '10.0.0.0/255.0.255.0', 'vercel,1']) {
      expect(() => clientIpFromHeaders(chain, bad)).toThrow(/trustProxy entry/);
    }
    expect(() => clientIpFromHeaders(chain, '10.0.0.1,')).toThrow(/trustProxy entry ""/);
    expect(() => clientIpFromHeaders(chain, ['::ffff:0:0/80'])).toThrow(/needs \/96/);
    expect(() => clientIpFromHeaders(chain, 'true')).toThrow(/trustProxy entry "true"/);
    for (const count of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clientIpFromHeaders(chain, count)).toThrow(/hop count/);
    }
  });

  it('presets: Vercel and Cloudflare', () => {
    expect(
      clientIpFromHeaders(
        h({ 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '6.6.6.6' }),
        'vercel',
      ),
    ).toBe('203.0.113.9');
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }), 'vercel')).toBe(
      '203.0.113.9',
    );
    expect(
      clientIpFromHeaders(
        h({ 'cf-connecting-ip': '2001:db8::1', 'x-forwarded-for': '6.6.6.6' }),
        'cloudflare',
      ),
    ).toBe('2001:db8::1');
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '6.6.6.6' }), 'cloudflare')).toBeUndefined();
    expect(clientIpFromHeaders(h({}), 'cloudflare', '10.0.0.1')).toBe('10.0.0.1');
  });

  it('true takes the leftmost entry, else the socket', () => {
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '203.0.113.1, 10.0.0.1' }), true)).toBe(
      '203.0.113.1',
    );
    expect(clientIpFromHeaders({ 'x-forwarded-for': ' , 203.0.113.1' }, true)).toBe('203.0.113.1');
    expect(clientIpFromHeaders(h({}), true, '10.0.0.1')).toBe('10.0.0.1');
    expect(clientIpFromHeaders(h({}), true)).toBeUndefined();
  });

  it('reads Node header records, repeated headers joined', () => {
    const headers = { 'x-forwarded-for': ['203.0.113.1', '10.0.0.1'] };
    expect(clientIpFromHeaders(headers, 1, '127.0.0.1')).toBe('10.0.0.1');
    expect(clientIpFromHeaders(headers, 2, '127.0.0.1')).toBe('203.0.113.1');
  });

  it('garbage and giant chains give no IP, never a throw', () => {
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': 'garbage' }), 1)).toBeUndefined();
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': 'fe80::1%eth0' }), 1)).toBeUndefined();
    expect(
      clientIpFromHeaders(h({ 'x-forwarded-for': '10.0.0.1, nope' }), ['10.0.0.0/8']),
    ).toBeUndefined();
    // Only spaces are trimmed around an entry, as Express's `forwarded` does: a tab is part of it.
    expect(clientIpFromHeaders({ 'x-forwarded-for': '1.2.3.4,\t5.6.7.8' }, 1)).toBeUndefined();
    const giant = Array.from({ length: 5000 }, (_, i) => `10.0.${(i >> 8) & 255}.${i & 255}`).join(
      ', ',
    );
    const header = h({ 'x-forwarded-for': `203.0.113.9, ${giant}, 203.0.113.50` });
    expect(clientIpFromHeaders(header, 1)).toBe('203.0.113.50');
    expect(clientIpFromHeaders(header, true)).toBe('203.0.113.9');
    // The walk stops after the 64 nearest entries; beyond them proxy-addr would read on.
    expect(clientIpFromHeaders(header, 1000)).toBe('10.0.19.73');
    expect(clientIpFromHeaders(header, '10.0.0.0/8', '10.1.1.1')).toBe('203.0.113.50');
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': giant }), '10.0.0.0/8', '10.1.1.1')).toBe(
      '10.0.19.72',
    );
  });
});
