import ipaddr from 'ipaddr.js';

/** The placeholder that asks the server to use the connection's IP address. */
export const AUTO_IP = '{{auto}}';

/**
 * Parses an IPv4 or IPv6 address and returns its canonical text, or `null`
 * when the string is not a plain address.
 *
 * Only dotted four-part decimal IPv4 is accepted (`127.1` and `0x7f.0.0.1` are
 * not addresses a user should be keyed by), IPv6 zone ids are rejected, and an
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) becomes its IPv4 form.
 *
 * @example parseIp('::FFFF:10.0.0.1') // '10.0.0.1'
 */
export function parseIp(value: string): string | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value).toString();
  if (!value.includes(':') || value.includes('%') || !ipaddr.IPv6.isValid(value)) return null;
  const v6 = ipaddr.IPv6.parse(value);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String();
}

/** `true` when `value` is a valid IPv4/IPv6 address (see {@link parseIp}). */
export function isIp(value: unknown): value is string {
  return typeof value === 'string' && parseIp(value) !== null;
}
