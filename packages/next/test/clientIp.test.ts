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
    expect(clientIpFromHeaders(spoofed, false, '::ffff:10.1.2.3')).toBe('10.1.2.3');
  });

  it('a hop count takes the entry the trusted proxies appended', () => {
    const chain = h({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' });
    expect(clientIpFromHeaders(chain, 1)).toBe('10.0.0.2');
    expect(clientIpFromHeaders(chain, 2)).toBe('203.0.113.7');
    expect(clientIpFromHeaders(chain, 9)).toBe('6.6.6.6');
    // With a socket (Pages API, custom server) the socket is the first hop.
    expect(clientIpFromHeaders(chain, 1, '127.0.0.1')).toBe('10.0.0.2');
    expect(clientIpFromHeaders(h({}), 1, '127.0.0.1')).toBe('127.0.0.1');
  });

  it('a CIDR list skips trusted proxies from the right', () => {
    const chain = h({ 'x-forwarded-for': '6.6.6.6, 198.51.100.4, 10.0.0.2, 10.0.0.3' });
    expect(clientIpFromHeaders(chain, ['10.0.0.0/8'])).toBe('198.51.100.4');
    expect(clientIpFromHeaders(chain, ['10.0.0.0/8', '198.51.100.4'])).toBe('6.6.6.6');
    expect(
      clientIpFromHeaders(h({ 'x-forwarded-for': '2001:db8::5, fd00::1' }), ['fd00::/8']),
    ).toBe('2001:db8::5');
    expect(() => clientIpFromHeaders(chain, ['not-a-cidr'])).toThrow(
      /trustProxy entry "not-a-cidr"/,
    );
  });

  it('presets: Vercel and Cloudflare', () => {
    expect(
      clientIpFromHeaders(
        h({ 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '6.6.6.6' }),
        'vercel',
      ),
    ).toBe('203.0.113.9');
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '203.0.113.9' }), 'vercel')).toBe(
      '203.0.113.9',
    );
    expect(
      clientIpFromHeaders(
        h({ 'cf-connecting-ip': '2001:db8::1', 'x-forwarded-for': '6.6.6.6' }),
        'cloudflare',
      ),
    ).toBe('2001:db8::1');
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '6.6.6.6' }), 'cloudflare')).toBeUndefined();
  });

  it('true takes the leftmost entry', () => {
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': '203.0.113.1, 10.0.0.1' }), true)).toBe(
      '203.0.113.1',
    );
  });

  it('garbage and giant chains give no IP, never a throw', () => {
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': 'garbage' }), 1)).toBeUndefined();
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': 'fe80::1%eth0' }), 1)).toBeUndefined();
    expect(
      clientIpFromHeaders(h({ 'x-forwarded-for': '10.0.0.1, nope' }), ['10.0.0.0/8']),
    ).toBeUndefined();
    const giant = Array.from({ length: 5000 }, (_, i) => `10.0.${(i >> 8) & 255}.${i & 255}`).join(
      ', ',
    );
    expect(clientIpFromHeaders(h({ 'x-forwarded-for': `${giant}, 203.0.113.50` }), 1)).toBe(
      '203.0.113.50',
    );
  });
});
