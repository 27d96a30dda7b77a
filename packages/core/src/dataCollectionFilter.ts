// Filtering named data — cookies, headers, query parameters, GraphQL variables — by a resolved
// `dataCollection` category (dataCollectionResolve.ts). The sensitive-name lists hold the same
// snippets as Sentry's JavaScript SDK v11, so a name is filtered by both SDKs alike.
import { getCarrier } from './carrier';
import type { CollectBehavior } from './dataCollection';
import type { NamedData, ResolvedDataCollection } from './dataCollectionResolve';

/** The value sent in place of a filtered one. */
export const FILTERED = '[Filtered]';

/** A name containing one of these (lower-cased) is sensitive: its value is never sent as is. */
export const SENSITIVE_NAME_SNIPPETS: readonly string[] = [
  'auth',
  'bearer',
  'cookie',
  'credentials',
  'csrf',
  'identity',
  'jwt',
  'key',
  'passwd',
  'password',
  'pwd',
  'saml',
  'secret',
  'session',
  'set-cookie',
  'sid',
  'sso',
  'token',
  'xsrf',
];

/**
 * Cookie names that are sensitive besides {@link SENSITIVE_NAME_SNIPPETS}: session ids, "remember
 * me" tokens, OAuth/OIDC helpers, `__Host-`/`__Secure-` cookies, load balancers' sticky-session
 * cookies, identity providers', step-up authentication's.
 */
export const SENSITIVE_COOKIE_SNIPPETS: readonly string[] = [
  '.sid',
  '2fa',
  '__host-',
  '__secure-',
  '__stripe',
  'akamai',
  'awsalb',
  'awselb',
  'cognito',
  'firebase',
  'mfa',
  'nonce',
  'oidc',
  'pkce',
  'remember',
  'sb-',
  'sessid',
  'supabase',
];

/** What becomes of one name: sent as it is, sent as `"[Filtered]"`, or left out. */
export type Verdict = 'keep' | 'filter' | 'omit';

const containsAny = (name: string, terms: readonly string[]) =>
  terms.some((term) => name.includes(term.toLowerCase()));

/**
 * The verdict on `name` under `data`: left out when the category is off; a sensitive name (also
 * one containing an `extra` snippet) by `data.sensitive`; under `{ allow }` a name matching no
 * term and under `{ deny }` a matching one `"[Filtered]"`; everything else kept.
 */
export function verdictOn(name: string, data: NamedData, extra?: readonly string[]): Verdict {
  if (data.behavior === false) return 'omit';
  const lower = name.toLowerCase();
  if (containsAny(lower, SENSITIVE_NAME_SNIPPETS) || (extra && containsAny(lower, extra))) {
    return data.sensitive === 'filter' ? 'filter' : data.sensitive;
  }
  return matchesBehavior(lower, data.behavior) ? 'keep' : 'filter';
}

/** Whether a (lower-cased, not sensitive) name keeps its value under `behavior`. */
function matchesBehavior(lower: string, behavior: CollectBehavior): boolean {
  if (behavior === true) return true;
  if (behavior === false) return false;
  if (behavior.deny) return !containsAny(lower, behavior.deny);
  return containsAny(lower, behavior.allow ?? []);
}

/**
 * The cookies of a `Cookie` header as a record, filtered by `data` (the sensitive cookie names
 * included): `;`-separated `name=value` pairs, names and values trimmed, a value in double quotes
 * unquoted and percent-decoded; the first of two equal names counts. A pair without `=` is a
 * nameless cookie, its value never sent (`"": "[Filtered]"`). `undefined` when none is left.
 */
export function filterCookies(header: string, data: NamedData): Record<string, string> | undefined {
  const cookies: Record<string, string> = {};
  let count = 0;
  for (const part of header.split(';')) {
    const pair = part.trim();
    if (pair === '' || pair === '=') continue;
    const at = pair.indexOf('=');
    const name = at === -1 ? '' : pair.slice(0, at).trim();
    if (Object.hasOwn(cookies, name) || name === '__proto__') continue;
    const verdict = name === '' ? 'filter' : verdictOn(name, data, SENSITIVE_COOKIE_SNIPPETS);
    if (verdict === 'omit') continue;
    cookies[name] = verdict === 'filter' ? FILTERED : cookieValue(pair.slice(at + 1).trim());
    count++;
  }
  return count > 0 ? cookies : undefined;
}

function cookieValue(raw: string): string {
  const text = raw.length > 1 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A query string (without `?`) filtered by `data`, parameter by parameter: a filtered one is
 * sent as `name=[Filtered]` (its name as it was encoded), the rest byte for byte, in order.
 * Names are decoded (`+` and `%xx`) to be matched. `undefined` when the category is off or
 * nothing is left.
 */
export function filterQueryString(query: string, data: NamedData): string | undefined {
  if (data.behavior === false || query === '') return undefined;
  if (data.sensitive === 'keep' && data.behavior === true) return query;
  const kept: string[] = [];
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    const encoded = at === -1 ? pair : pair.slice(0, at);
    const verdict = verdictOn(queryName(encoded), data);
    if (verdict === 'keep') kept.push(pair);
    else if (verdict === 'filter') kept.push(`${encoded}=${FILTERED}`);
  }
  return kept.length > 0 ? kept.join('&') : undefined;
}

function queryName(encoded: string): string {
  const spaced = encoded.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** How deep {@link filterNames} goes; deeper objects are not sent (events keep 6 levels anyway). */
const MAX_DEPTH = 8;

/**
 * A JSON-like value with the value of every sensitive name, at any depth, `"[Filtered]"` (GraphQL
 * variables). Arrays and plain objects are copied; other values are returned as they are.
 */
export function filterNames(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return FILTERED;
  if (Array.isArray(value)) return value.map((item) => filterNames(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    if (name === '__proto__') continue;
    out[name] = containsAny(name.toLowerCase(), SENSITIVE_NAME_SNIPPETS)
      ? FILTERED
      : filterNames(item, depth + 1);
  }
  return out;
}

/**
 * A GraphQL operation's variables as its events may carry them (`contexts.graphql.variables`):
 * with sensitive names `"[Filtered]"` ({@link filterNames}) when the installed client collects
 * them (`dataCollection.graphQL.variables`), else — and when they are not an object — `undefined`.
 * Never throws.
 */
export function graphqlVariablesToSend(variables: unknown): Record<string, unknown> | undefined {
  try {
    const client = getCarrier().client as { dataCollection?: ResolvedDataCollection } | undefined;
    if (client?.dataCollection?.graphQL.variables !== true) return undefined;
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables))
      return undefined;
    const filtered = filterNames(variables) as Record<string, unknown>;
    return Object.keys(filtered).length > 0 ? filtered : undefined;
  } catch {
    return undefined;
  }
}
