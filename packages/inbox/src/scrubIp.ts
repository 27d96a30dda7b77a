import { isIP } from 'node:net';
import type { Meta } from './meta';
import { isObject } from './values';

// An IPv4 address (a port may follow) or an IPv6 address standing alone — not part of a word, a
// version such as v1.2.3.4, or a longer dotted/colon run; candidates are confirmed with `isIP`, so
// times like 10:30:00 stay.
const CANDIDATE =
  /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)|(?<![\w.:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)/g;

/** Relay's replacement for an IP address (`@ip:replace`). */
export const IP_REPLACEMENT = '[ip]';

/** Top-level attributes Relay's PII rules do not touch (not personal data, or the inbox's own). */
const NOT_PII = new Set([
  'event_id',
  'timestamp',
  'received',
  'platform',
  'level',
  'release',
  'dist',
  'environment',
  'sdk',
  'fingerprint',
  'modules',
  'debug_meta',
  'type',
  'logger',
  'transaction_info',
  'version',
  '_meta',
]);

/** `_meta` paths whose original value is an IP address and is never kept with prevent-storing. */
const IP_FIELDS = [
  ['user', 'ip_address'],
  ['request', 'env', 'REMOTE_ADDR'],
  ['sdk', 'client_ip'],
];

/**
 * `text` with every IP address replaced by `[ip]`, and the replaced ranges (in the
 * new string); `undefined` when it holds none.
 */
export function replaceIps(text: string): { text: string; ranges: [number, number][] } | undefined {
  if (!/[.:]/.test(text)) return undefined;
  const ranges: [number, number][] = [];
  let out = '';
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = match[0];
    if (isIP(candidate) === 0) continue;
    out += text.slice(last, match.index);
    ranges.push([out.length, out.length + IP_REPLACEMENT.length]);
    out += IP_REPLACEMENT;
    last = match.index + candidate.length;
  }
  if (ranges.length === 0) return undefined;
  return { text: out + text.slice(last), ranges };
}

/**
 * "Prevent storing IP addresses" beyond the IP fields, as Relay's `@ip:replace`
 * rule does: every IP address in the event's strings (request headers such as
 * `X-Forwarded-For` and `X-Real-Ip`, cookies, env, data, user data, extra,
 * contexts, breadcrumbs, messages, exception values, frame variables, …) becomes
 * `[ip]`, noted in `_meta` as `{ rem: [["@ip:replace", "s", start, end]], len }`.
 * Release, environment, SDK and module versions are not personal data and stay.
 */
export function scrubEventIps(event: Record<string, unknown>, meta: Meta): void {
  for (const [key, value] of Object.entries(event)) {
    if (NOT_PII.has(key)) continue;
    event[key] = scrubValue(value, [key], meta);
  }
}

function scrubValue(value: unknown, path: string[], meta: Meta): unknown {
  if (typeof value === 'string') {
    const replaced = replaceIps(value);
    if (!replaced) return value;
    meta.replaced(path, '@ip:replace', replaced.ranges, value.length);
    return replaced.text;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => scrubValue(item, [...path, String(index)], meta));
  }
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      value[key] = scrubValue(child, [...path, key], meta);
    }
  }
  return value;
}

/**
 * Removes IP addresses from a `_meta` tree's kept originals: the `val` of the IP
 * fields goes entirely (a malformed `"8.8.8.8 "` included), any other `val` has its
 * addresses replaced by `[ip]`.
 */
export function scrubMetaIps(tree: Record<string, unknown>): void {
  for (const path of IP_FIELDS) {
    let node: unknown = tree;
    for (const key of path) node = isObject(node) ? node[key] : undefined;
    const entry = isObject(node) ? node[''] : undefined;
    if (isObject(entry)) delete entry.val;
  }
  walkMeta(tree);
}

function walkMeta(node: Record<string, unknown>): void {
  for (const [key, child] of Object.entries(node)) {
    if (!isObject(child)) continue;
    if (key === '' && 'val' in child) child.val = scrubPlain(child.val);
    else walkMeta(child);
  }
}

function scrubPlain(value: unknown): unknown {
  if (typeof value === 'string') return replaceIps(value)?.text ?? value;
  if (Array.isArray(value)) return value.map(scrubPlain);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: scrubPlain(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
