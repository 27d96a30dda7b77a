/** The placeholder that asks the server to use the connection's IP address. */
export const AUTO_IP = '{{auto}}';

/** A parsed address: four octets (IPv4) or eight 16-bit groups (IPv6). */
export type IpParts = { v4: number[] } | { v6: number[] };

/**
 * Dotted four-part decimal IPv4: octets that read back as the very text (no leading zeros, signs,
 * spaces, hex or empty parts) and fit in a byte.
 */
function parseV4(value: string): number[] | null {
  const octets = value.split('.').map(Number);
  return octets.length === 4 && octets.join('.') === value && octets.every((o) => o === (o & 255))
    ? octets
    : null;
}

/** The host of `http://[text]`: WHATWG's IPv6 parser and its RFC 5952 text, or `undefined`. */
function urlIpv6(text: string): string | undefined {
  try {
    return new URL(`http://[${text}]`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * Parses a plain address into its parts, or `null`. Only dotted four-part decimal IPv4 (no
 * leading zeros), IPv6 without zone id; an IPv4-mapped IPv6 address becomes IPv4.
 */
export function parseIpParts(value: string): IpParts | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  const v4 = parseV4(value);
  if (v4) return { v4 };
  // Only address characters reach the URL parser (it drops tabs and newlines, reads `%` as a zone).
  if (!value.includes(':') || /[^\da-f:.]/i.test(value)) return null;
  // `::a.b.c.d` (the old IPv4-compatible form) is read as IPv4-mapped, as ipaddr.js did.
  const compatible = value.startsWith('::') ? parseV4(value.slice(2)) : null;
  if (compatible) return { v4: compatible };
  // IPv6 is parsed as URLs parse it (RFC 4291; `::` for one or more zero groups), then expanded.
  const canonical = urlIpv6(value);
  if (canonical === undefined) return null;
  const [head, tail] = canonical
    .split('::')
    .map((half) => (half ? half.split(':').map((group) => Number.parseInt(group, 16)) : [])) as [
    number[],
    number[] | undefined,
  ];
  const v6 = tail
    ? [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail]
    : head;
  const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff;
  if (mapped) {
    const [hi, lo] = [v6[6] as number, v6[7] as number];
    return { v4: [hi >> 8, hi & 255, lo >> 8, lo & 255] };
  }
  return { v6 };
}

/** The canonical text of parsed parts: dotted decimal, or RFC 5952 for IPv6. */
export function formatIpParts(parts: IpParts): string {
  return 'v4' in parts
    ? parts.v4.join('.')
    : (urlIpv6(parts.v6.map((group) => group.toString(16)).join(':')) as string);
}

/**
 * Parses an IPv4 or IPv6 address and returns its canonical text, or `null`
 * when the string is not a plain address.
 *
 * Only dotted four-part decimal IPv4 is accepted (`127.1` and `0x7f.0.0.1` are
 * not addresses a user should be keyed by), IPv6 zone ids are rejected, and an
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) becomes its IPv4 form.
 * (IPv4 by a strict check of our own, IPv6 through the URL parser: ipaddr.js was a third of the
 * browser bundle.)
 *
 * @example parseIp('::FFFF:10.0.0.1') // '10.0.0.1'
 */
export function parseIp(value: string): string | null {
  let ip = recentIps.get(value);
  if (ip === undefined) {
    const parts = parseIpParts(value);
    ip = parts ? formatIpParts(parts) : null;
    // Only text an address can be (parseIpParts refuses longer): the cache stays small.
    if (value.length <= 64) {
      if (recentIps.size >= 256) recentIps.clear();
      recentIps.set(value, ip);
    }
  }
  return ip;
}

// The answers for the addresses seen lately: a server reads the same few client IPs again and
// again (a connection's address, a proxy's), and parsing one allocates.
const recentIps = new Map<string, string | null>();

/** An address range: a network's parts and its prefix length in bits. */
export interface IpRange {
  parts: IpParts;
  bits: number;
}

/**
 * Parses `address/prefix` (or a single address, a range of one) into an
 * {@link IpRange}, or `null`. An IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`)
 * becomes the IPv4 network it denotes, as addresses are compared canonically.
 *
 * @example ipInRange('10.1.2.3', parseCidr('10.0.0.0/8')!) // true
 */
export function parseCidr(text: string): IpRange | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const address = (slash === -1 ? text : text.slice(0, slash)).trim();
  const parts = parseIpParts(address);
  if (!parts) return null;
  const max = 'v4' in parts ? 32 : 128;
  if (slash === -1) return { parts, bits: max };
  const prefix = text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(prefix)) return null;
  let bits = Number(prefix);
  // Written as IPv6 but parsed as IPv4 (mapped): the prefix counted the 96 bits in front.
  if ('v4' in parts && address.includes(':')) bits -= 96;
  return bits >= 0 && bits <= max ? { parts, bits } : null;
}

/** `true` when `ip` (any form {@link parseIp} accepts) lies in `range`; IPv4 never matches IPv6. */
export function ipInRange(ip: string, range: IpRange): boolean {
  const parts = parseIpParts(ip);
  if (!parts) return false;
  let pair: [number[], number[], number] | undefined;
  if ('v4' in parts && 'v4' in range.parts) pair = [parts.v4, range.parts.v4, 8];
  else if ('v6' in parts && 'v6' in range.parts) pair = [parts.v6, range.parts.v6, 16];
  if (!pair) return false;
  const [address, network, width] = pair;
  let remaining = range.bits;
  for (let i = 0; remaining > 0; i++) {
    const take = Math.min(width, remaining);
    const mask = ((1 << take) - 1) << (width - take);
    if (((address[i] as number) & mask) !== ((network[i] as number) & mask)) return false;
    remaining -= take;
  }
  return true;
}
