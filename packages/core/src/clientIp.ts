// One client-IP rule for every adapter and the inbox: Express's `trust proxy` (proxy-addr over
// `X-Forwarded-For`), answered in core's canonical address form, plus the Vercel and Cloudflare
// presets. The walk and the trust checks follow proxy-addr step by step so that a setting means
// the same thing here as in an Express app; tests/clientIp.test.ts holds the two side by side.
import { type IpParts, parseIp, parseIpParts } from './ip';

/**
 * Which proxies to believe for the client IP — the values Express's `trust proxy` takes, with
 * the same answers, plus two presets:
 *
 * - `false` / absent: believe no header; the client is the socket's peer.
 * - `true`: trust every proxy; the client is the left-most `X-Forwarded-For` address.
 * - a hop count `n`: the socket's peer and the next `n - 1` addresses to its left in
 *   `X-Forwarded-For` are trusted proxies; the client is the address after them.
 * - an address, a CIDR (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`), `loopback`, `linklocal` or
 *   `uniquelocal`, a list of those, or a comma-separated string of them: from the socket's peer
 *   leftwards through `X-Forwarded-For`, trusted addresses are skipped; the first one that is
 *   not trusted (or the left-most) is the client.
 * - `'vercel'`: `x-real-ip` (Vercel overwrites it), else the left-most `X-Forwarded-For` entry.
 * - `'cloudflare'`: `cf-connecting-ip` (Cloudflare overwrites it).
 *
 * An entry that is none of these throws a `TypeError` naming it.
 */
export type TrustProxy =
  | boolean
  | number
  | 'vercel'
  | 'cloudflare'
  // Any other string is an address list; `& {}` keeps the presets offered by editors.
  | (string & {})
  | readonly string[];

/** Header access: a `Headers` object or a Node header record (lower-case names). */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

// A chain of thousands of entries is an attack, not a network: the walk looks at the nearest 64.
const MAX_ENTRIES = 64;

// proxy-addr's names for address groups.
const NAMED_RANGES = new Map<string, readonly string[]>([
  ['loopback', ['127.0.0.1/8', '::1/128']],
  ['linklocal', ['169.254.0.0/16', 'fe80::/10']],
  ['uniquelocal', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
]);

/** A trusted network: its groups (octets or 16-bit groups) and its prefix length. */
interface Network {
  v6: boolean;
  groups: number[];
  bits: number;
}

type Rule =
  | { kind: 'socket' | 'all' | 'vercel' | 'cloudflare' }
  | { kind: 'hops'; hops: number }
  | { kind: 'networks'; networks: Network[] };

const SOCKET: Rule = { kind: 'socket' };
const ALL: Rule = { kind: 'all' };
const VERCEL: Rule = { kind: 'vercel' };
const CLOUDFLARE: Rule = { kind: 'cloudflare' };

/**
 * The client IP (canonical, as `parseIp` gives it) under a {@link TrustProxy} setting, or
 * `undefined`. `socketIp` is the peer address of the connection where there is one (Node
 * servers, Pages API routes); where there is none (App Router route handlers), the missing
 * socket counts as the first, trusted hop, and `false` answers `undefined`.
 *
 * Settings are compiled once per value (a list: once per array object — pass a new array to
 * change it). Throws a `TypeError` naming the entry when the setting is invalid.
 *
 * @example clientIpFromHeaders(request.headers, 1) // the entry your one proxy appended
 * @example clientIpFromHeaders(req.headers, 'loopback', req.socket.remoteAddress)
 */
export function clientIpFromHeaders(
  headers: HeaderSource,
  trust: TrustProxy | undefined,
  socketIp?: string,
): string | undefined {
  const rule = compileTrust(trust);
  switch (rule.kind) {
    case 'socket':
      return canonical(socketIp);
    case 'all':
      return canonical(leftmostEntry(readHeader(headers, 'x-forwarded-for')) ?? socketIp);
    case 'vercel':
      return (
        presetHeader(readHeader(headers, 'x-real-ip')) ??
        presetHeader(leftmostEntry(readHeader(headers, 'x-forwarded-for'))) ??
        canonical(socketIp)
      );
    case 'cloudflare':
      return presetHeader(readHeader(headers, 'cf-connecting-ip')) ?? canonical(socketIp);
    case 'hops':
      return byHopCount(nearestEntries(headers), rule.hops, socketIp);
    case 'networks':
      return byNetworks(nearestEntries(headers), rule.networks, socketIp);
  }
}

/** proxy-addr with `(addr, i) => i < hops`: the address `hops` steps left of the socket. */
function byHopCount(entries: string[], hops: number, socketIp: string | undefined) {
  const step = Math.min(hops, entries.length);
  return canonical(step === 0 ? socketIp : entries[step - 1]);
}

/** proxy-addr with a compiled list: skip trusted addresses from the socket leftwards. */
function byNetworks(entries: string[], networks: Network[], socketIp: string | undefined) {
  const last = entries.length - 1;
  // The left-most address is the answer whether it is trusted or not, so it is never checked.
  if (socketIp !== undefined && last >= 0 && !isTrusted(socketIp, networks)) {
    return canonical(socketIp);
  }
  for (let i = 0; i < last; i++) {
    const entry = entries[i] as string;
    if (!isTrusted(entry, networks)) return canonical(entry);
  }
  return canonical(last >= 0 ? entries[last] : socketIp);
}

function canonical(address: string | undefined): string | undefined {
  return address === undefined ? undefined : (parseIp(address) ?? undefined);
}

function presetHeader(value: string | undefined): string | undefined {
  return value === undefined ? undefined : canonical(value.trim());
}

/** Reads one header, lower-case name, joined with `, ` if repeated. */
function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Strips spaces (only U+0020, as the `forwarded` package does) from both ends. */
function trimSpaces(text: string, start: number, end: number): string {
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(start, end);
}

/** The `X-Forwarded-For` entries nearest the server first, at most {@link MAX_ENTRIES}. */
function nearestEntries(headers: HeaderSource): string[] {
  const header = readHeader(headers, 'x-forwarded-for');
  const entries: string[] = [];
  if (!header) return entries;
  let end = header.length;
  while (entries.length < MAX_ENTRIES) {
    const comma = end > 0 ? header.lastIndexOf(',', end - 1) : -1;
    const entry = trimSpaces(header, comma + 1, end);
    if (entry) entries.push(entry);
    if (comma < 0) break;
    end = comma;
  }
  return entries;
}

/** The left-most non-empty `X-Forwarded-For` entry (reading stops there, so no cap is needed). */
function leftmostEntry(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let start = 0;
  while (start <= header.length) {
    const comma = header.indexOf(',', start);
    const end = comma < 0 ? header.length : comma;
    const entry = trimSpaces(header, start, end);
    if (entry) return entry;
    start = end + 1;
  }
  return undefined;
}

// An IPv4-compatible address (`::1.2.3.4`): ipaddr.js keeps it IPv6, where parseIp reads it as IPv4.
const COMPATIBLE = /^::(\d{1,3}(?:\.\d{1,3}){3})$/;
// A trailing IPv6 zone id (`%eth0`), which ipaddr.js accepts and ignores when matching.
const ZONE = /%[0-9a-z]+$/i;

/**
 * An address's groups as proxy-addr compares them: IPv4-mapped IPv6 as IPv4, IPv4-compatible
 * as IPv6, a zone id ignored; `null` for anything `parseIp` does not read.
 */
function trustParts(text: string): IpParts | null {
  if (text.length > 80) return null;
  const address = text.includes(':') ? text.replace(ZONE, '') : text;
  const compatible = COMPATIBLE.exec(address);
  const v4 = compatible ? parseIpParts(compatible[1] as string) : null;
  if (v4 && 'v4' in v4) {
    const [a, b, c, d] = v4.v4 as [number, number, number, number];
    return { v6: [0, 0, 0, 0, 0, 0, (a << 8) | b, (c << 8) | d] };
  }
  return parseIpParts(address);
}

function isTrusted(address: string, networks: Network[]): boolean {
  const parts = trustParts(address);
  return parts !== null && networks.some((network) => inNetwork(parts, network));
}

function inNetwork(parts: IpParts, network: Network): boolean {
  if ('v6' in parts !== network.v6) return false;
  const groups = 'v6' in parts ? parts.v6 : parts.v4;
  const width = network.v6 ? 16 : 8;
  let remaining = network.bits;
  for (let i = 0; remaining > 0; i++) {
    const take = Math.min(width, remaining);
    const mask = ((1 << take) - 1) << (width - take);
    if (((groups[i] as number) & mask) !== ((network.groups[i] as number) & mask)) return false;
    remaining -= take;
  }
  return true;
}

function invalidEntry(entry: unknown, why = ''): TypeError {
  return new TypeError(
    `@x: trustProxy entry ${typeof entry === 'string' ? JSON.stringify(entry) : String(entry)} is not an IP address, a ` +
      `CIDR range, loopback, linklocal or uniquelocal${why}`,
  );
}

/** The prefix length of a contiguous IPv4 netmask (`255.255.0.0` → 16), else `NaN`. */
function netmaskBits(text: string): number {
  const parts = text.includes(':') ? null : parseIpParts(text);
  if (!parts || !('v4' in parts)) return Number.NaN;
  const bits = parts.v4.map((octet) => octet.toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) return Number.NaN;
  const zero = bits.indexOf('0');
  return zero < 0 ? 32 : zero;
}

/** One entry as proxy-addr's `parseipNotation` reads it: `address`, `address/bits`, `address/mask`. */
function parseNetwork(entry: string): Network {
  const slash = entry.lastIndexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const parts = trustParts(address);
  if (!parts) throw invalidEntry(entry);
  const groups = 'v6' in parts ? parts.v6 : parts.v4;
  const v6 = 'v6' in parts;
  if (slash < 0) return { v6, groups, bits: v6 ? 128 : 32 };
  const writtenV6 = address.includes(':');
  const prefix = entry.slice(slash + 1);
  let bits = /^\d+$/.test(prefix) ? Number(prefix) : writtenV6 ? Number.NaN : netmaskBits(prefix);
  if (!(bits > 0 && bits <= (writtenV6 ? 128 : 32))) throw invalidEntry(entry);
  if (!v6 && writtenV6) {
    // An IPv4-mapped network: its first 96 bits are the `::ffff:` marker.
    if (bits < 96) throw invalidEntry(entry, ' (an IPv4-mapped network needs /96 or more)');
    bits -= 96;
  }
  return { v6, groups, bits };
}

function compileNetworks(entries: readonly unknown[]): Rule {
  const networks = entries.flatMap((entry) => {
    if (typeof entry !== 'string') throw invalidEntry(entry);
    const text = entry.trim();
    return (NAMED_RANGES.get(text) ?? [text]).map(parseNetwork);
  });
  return { kind: 'networks', networks };
}

const listRules = new WeakMap<readonly unknown[], Rule>();
const textRules = new Map<string, Rule>();

function compileTrust(trust: TrustProxy | undefined): Rule {
  if (trust == null || trust === false) return SOCKET;
  if (trust === true) return ALL;
  if (trust === 'vercel') return VERCEL;
  if (trust === 'cloudflare') return CLOUDFLARE;
  if (typeof trust === 'number') {
    if (!Number.isSafeInteger(trust) || trust < 0) {
      throw new TypeError(`@x: trustProxy hop count ${trust} is not a whole number of 0 or more`);
    }
    return trust === 0 ? SOCKET : { kind: 'hops', hops: trust };
  }
  if (typeof trust === 'string') {
    let rule = textRules.get(trust);
    if (!rule) {
      rule = compileNetworks(trust.split(','));
      // Settings are few; a caller building a new string per request must not grow this forever.
      if (textRules.size >= 100) textRules.clear();
      textRules.set(trust, rule);
    }
    return rule;
  }
  if (!Array.isArray(trust)) throw invalidEntry(trust);
  let rule = listRules.get(trust);
  if (!rule) {
    rule = compileNetworks(trust);
    listRules.set(trust, rule);
  }
  return rule;
}
