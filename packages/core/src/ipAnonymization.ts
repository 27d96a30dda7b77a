import { formatIpParts, parseIp, parseIpParts } from './ip';

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
  // Unchanged addresses are the canonical text `parseIp` keeps for the addresses seen lately.
  if (mode === 'none') return parseIp(ip) ?? undefined;
  const parts = parseIpParts(ip);
  if (parts === null) return undefined;
  if ('v4' in parts) return formatIpParts({ v4: [...parts.v4.slice(0, 3), 0] });
  return formatIpParts({ v6: [...parts.v6.slice(0, 3), 0, 0, 0, 0, 0] });
}
