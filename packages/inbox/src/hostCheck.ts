import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Options of {@link createHostCheck}. */
export interface HostCheckOptions {
  /** The address the server is bound to (`127.0.0.1`, `::`, `0.0.0.0`, `192.168.1.5`, …). */
  boundAddress: string;
  /** The `host` option as given (a name such as `my-box.local` is allowed too). */
  host?: string | undefined;
  /**
   * More host names or addresses to accept (`--allowed-hosts`); a leading `.`
   * accepts the name and every subdomain (`.example.test`); `"all"` turns the check off.
   */
  allowedHosts?: readonly string[] | undefined;
}

/** `true` for a loopback IP address (`127.0.0.0/8`, `::1`, `::ffff:127.x.x.x`). */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `true` for a wildcard bind (`0.0.0.0`, `::`): every interface. */
export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '::0';
}

/**
 * The `Host` header check against DNS rebinding (as Vite's and
 * webpack-dev-server's `allowedHosts`): a page on `attacker.example` that
 * resolves to 127.0.0.1 reaches the inbox with `Host: attacker.example`, so
 * only these host names are answered: `localhost` (and `*.localhost`),
 * loopback addresses, the bound address (every interface's address for a
 * wildcard bind), the `host` option, and `allowedHosts`. The port is not checked.
 *
 * Returns a function giving the reason to refuse a request, or `undefined` to serve it.
 */
export function createHostCheck(
  options: HostCheckOptions,
): (req: IncomingMessage) => string | undefined {
  const extra = (options.allowedHosts ?? []).map(normalizeHost).filter((h) => h !== '');
  if (extra.includes('all')) return () => undefined;
  const exact = new Set<string>(['localhost', ...extra.filter((h) => !h.startsWith('.'))]);
  const suffixes = ['.localhost', ...extra.filter((h) => h.startsWith('.'))];
  exact.add(normalizeHost(options.boundAddress));
  if (options.host) exact.add(normalizeHost(options.host));
  if (isWildcardAddress(options.boundAddress)) {
    for (const list of Object.values(networkInterfaces())) {
      for (const entry of list ?? []) exact.add(normalizeHost(entry.address));
    }
  }
  const allowed = (name: string): boolean =>
    exact.has(name) ||
    isLoopbackAddress(name) ||
    suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1));

  return (req) => {
    const header = req.headers.host;
    if (header === undefined) return 'a Host header is required';
    const name = hostName(header);
    if (name === '') return 'the Host header is empty';
    if (allowed(name)) return undefined;
    return `host "${name.slice(0, 100)}" is not allowed: start the inbox with --allowed-hosts ${name.slice(0, 100)} to accept it`;
  };
}

/** The host name of a `Host` header value: lower case, no port, no brackets, no trailing dot. */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(1, end);
  }
  const colon = value.lastIndexOf(':');
  const name = colon === -1 || value.indexOf(':') !== colon ? value : value.slice(0, colon);
  return name.replace(/\.$/, '');
}

/** An `--allowed-hosts` entry or address as compared: lower case, no brackets, no trailing dot. */
function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}
