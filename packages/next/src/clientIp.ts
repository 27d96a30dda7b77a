import { type IpRange, ipInRange, parseCidr, parseIp } from '@x/core/internal';

/**
 * Which forwarded headers to believe for the client IP. Next gives route
 * handlers no socket, so without this setting @x/next reports no client IP —
 * it never believes a header the client could have written.
 *
 * - `false` / absent: believe nothing.
 * - `'vercel'`: `x-real-ip` (Vercel overwrites it), else the first `x-forwarded-for` entry.
 * - `'cloudflare'`: `cf-connecting-ip` (Cloudflare overwrites it).
 * - a number `n`: `n` trusted proxies append to `x-forwarded-for`; the client is the n-th entry from the right.
 * - a list of CIDRs (`['10.0.0.0/8', '127.0.0.1']`): walk `x-forwarded-for` from the right, skipping
 *   trusted proxies; the first address that is not one is the client.
 * - `true`: the leftmost `x-forwarded-for` entry (only behind a proxy that overwrites the header).
 */
export type TrustProxy = boolean | 'vercel' | 'cloudflare' | number | readonly string[];

/** Header access: a `Headers` object or a Node header record. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/** Reads one header, lower-case name, joined if repeated. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The client IP under a {@link TrustProxy} setting, or `undefined`. `socketIp`
 * is the peer address where there is one (Pages API routes, custom servers): it
 * is the answer when nothing is trusted, and the first hop otherwise.
 *
 * @example clientIpFromHeaders(request.headers, 1) // the entry your one proxy appended
 */
export function clientIpFromHeaders(
  headers: HeaderSource,
  trust: TrustProxy | undefined,
  socketIp?: string,
): string | undefined {
  const socket = socketIp ? (parseIp(socketIp) ?? undefined) : undefined;
  if (!trust) return socket;
  if (trust === 'cloudflare') return valid(readHeader(headers, 'cf-connecting-ip')) ?? socket;
  if (trust === 'vercel') {
    return valid(readHeader(headers, 'x-real-ip')) ?? valid(forwardedFor(headers)[0]) ?? socket;
  }
  const chain = forwardedFor(headers);
  // Without a socket the nearest hop is the last header entry; with one, the socket is.
  const hops = socket ? [...chain, socket] : chain;
  if (hops.length === 0) return undefined;
  if (trust === true) return valid(hops[0]);
  if (typeof trust === 'number') {
    const index = socket ? hops.length - 1 - trust : hops.length - trust;
    return valid(hops[Math.max(0, Math.min(index, hops.length - 1))]);
  }
  const ranges = parseRanges(trust);
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = valid(hops[i]);
    if (!ip) return undefined; // a malformed hop: stop believing the chain
    if (i === 0 || !ranges.some((range) => ipInRange(ip, range))) return ip;
  }
  return undefined;
}

function forwardedFor(headers: HeaderSource): string[] {
  const value = readHeader(headers, 'x-forwarded-for');
  if (!value) return [];
  // A chain of thousands of entries is an attack, not a network: look at the last 64 only.
  return value
    .split(',')
    .slice(-64)
    .map((part) => part.trim())
    .filter(Boolean);
}

function valid(value: string | undefined): string | undefined {
  return value ? (parseIp(value.trim()) ?? undefined) : undefined;
}

const rangeCache = new WeakMap<readonly string[], IpRange[]>();

function parseRanges(list: readonly string[]): IpRange[] {
  let ranges = rangeCache.get(list);
  if (!ranges) {
    ranges = list.map((entry) => {
      const range = parseCidr(entry);
      if (!range) {
        throw new Error(`@x/next: trustProxy entry "${entry}" is not an IP address or CIDR`);
      }
      return range;
    });
    rangeCache.set(list, ranges);
  }
  return ranges;
}
