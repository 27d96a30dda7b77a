import ipaddr from 'ipaddr.js';
import { parseIp } from './ip';

/** How the SDK anonymizes every IP address it sends. */
export type IpAnonymization = 'none' | 'truncate';

/**
 * Applies `mode` to one address. `truncate` zeroes the last IPv4 octet and the
 * last 80 bits of an IPv6 address, so the result is still a valid address.
 * Returns `undefined` for something that is not an address.
 *
 * @example anonymizeIp('203.0.113.77', 'truncate') // '203.0.113.0'
 */
export function anonymizeIp(ip: string, mode: IpAnonymization): string | undefined {
  const parsed = parseIp(ip);
  if (parsed === null) return undefined;
  if (mode === 'none') return parsed;
  const address = ipaddr.parse(parsed);
  if (address.kind() === 'ipv4') {
    const octets = (address as ipaddr.IPv4).octets.slice(0, 3);
    return new ipaddr.IPv4([...octets, 0]).toString();
  }
  const parts = (address as ipaddr.IPv6).parts.slice(0, 3);
  return new ipaddr.IPv6([...parts, 0, 0, 0, 0, 0]).toRFC5952String();
}
