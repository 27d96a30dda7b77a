// The server client's `dataCollection`, resolved once at `init`: each category from the option
// when it is well-formed (malformed values are ignored with a debug line, never thrown), else
// from `sendDefaultPii: true`, else @x's default. The shapes and the meaning of `true`, `false`,
// `{ allow }` and `{ deny }` are those of Sentry's JavaScript SDK v11; the defaults are @x's.
import { type CollectBehavior, collectsUserInfo } from './dataCollection';
import { debugWarn } from './debug';
import type { ClientOptions } from './options';

/**
 * What becomes of a sensitive name's value (see `SENSITIVE_NAME_SNIPPETS`): `filter` sends
 * `"[Filtered]"` (v11's meaning, for every behaviour the app sets), `omit` leaves the name out
 * (@x's default for headers), `keep` sends it as it came (`sendDefaultPii: true`, as before
 * `dataCollection` existed).
 */
export type SensitiveNames = 'filter' | 'omit' | 'keep';

/** One named-data category, resolved. */
export interface NamedData {
  behavior: CollectBehavior;
  sensitive: SensitiveNames;
}

/** Every category @x collects, resolved. */
export interface ResolvedDataCollection {
  userInfo: boolean;
  cookies: NamedData;
  httpHeaders: { request: NamedData; response: NamedData };
  urlQueryParams: NamedData;
  graphQL: { document: boolean; variables: boolean };
  /** `undefined`: the `contextLines` option, else 7 (decided where the frames are read). */
  frameContextLines: number | undefined;
}

/** The same as v11's `true`: every name, sensitive ones `"[Filtered]"`. */
const ALL: NamedData = { behavior: true, sensitive: 'filter' };
/** What `sendDefaultPii: true` collects: every name as it came. */
const AS_SENT: NamedData = { behavior: true, sensitive: 'keep' };
const NONE: NamedData = { behavior: false, sensitive: 'filter' };

/**
 * @x's defaults, without `sendDefaultPii`: nothing personal collected on its own — no email or
 * client IP, no cookies, headers without the sensitive and IP-carrying ones, query parameters
 * with sensitive values `"[Filtered]"`, no GraphQL variables, 7 context lines.
 */
export const X_DATA_COLLECTION_DEFAULTS: Readonly<ResolvedDataCollection> = {
  userInfo: false,
  cookies: NONE,
  httpHeaders: {
    request: { behavior: true, sensitive: 'omit' },
    response: { behavior: true, sensitive: 'omit' },
  },
  urlQueryParams: ALL,
  graphQL: { document: false, variables: false },
  frameContextLines: 7,
};

/**
 * What `sendDefaultPii: true` means for each category it ever covered: the email and client IP,
 * and cookies, headers and query parameters as they came. GraphQL variables are not among them.
 */
export const SEND_DEFAULT_PII_COLLECTION: Readonly<ResolvedDataCollection> = {
  userInfo: true,
  cookies: AS_SENT,
  httpHeaders: { request: AS_SENT, response: AS_SENT },
  urlQueryParams: AS_SENT,
  graphQL: { document: false, variables: false },
  frameContextLines: 7,
};

// Plain arrays, not Sets: a module-level `new Set` would stay in a browser bundle unused.
/** The categories of v11 that @x does not collect: ignored, with a debug line. */
const NOT_COLLECTED = [
  'httpBodies',
  'genAI',
  'mcp',
  'databaseQueryData',
  'queues',
  'stackFrameVariables',
];

/**
 * The categories in effect for `options`: `dataCollection`'s well-formed ones win; the others
 * come from `sendDefaultPii: true`, else from {@link X_DATA_COLLECTION_DEFAULTS} (its
 * `frameContextLines` replaced by `contextLines` when that is set). `userInfo`: already read
 * by the caller. Never throws.
 */
export function resolveDataCollection(
  options: ClientOptions,
  userInfo = collectsUserInfo(options),
): ResolvedDataCollection {
  const base =
    options.sendDefaultPii === true ? SEND_DEFAULT_PII_COLLECTION : X_DATA_COLLECTION_DEFAULTS;
  const resolved: ResolvedDataCollection = {
    ...base,
    userInfo,
    frameContextLines: options.contextLines ?? base.frameContextLines,
  };
  let given: Record<string, unknown> | undefined;
  try {
    given = readObject(options.dataCollection, 'dataCollection');
    if (given) applyGiven(resolved, given);
  } catch (error) {
    debugWarn('dataCollection: unreadable; the defaults apply', error);
  }
  return resolved;
}

/** Applies the categories `given` sets well-formed to `resolved`. */
function applyGiven(resolved: ResolvedDataCollection, given: Record<string, unknown>): void {
  const named = (key: 'cookies' | 'urlQueryParams', fallback: NamedData) =>
    key in given ? namedData(given[key], `dataCollection.${key}`, fallback) : fallback;
  resolved.cookies = named('cookies', resolved.cookies);
  resolved.urlQueryParams = named('urlQueryParams', resolved.urlQueryParams);
  if ('httpHeaders' in given)
    resolved.httpHeaders = httpHeaders(given.httpHeaders, resolved.httpHeaders);
  if ('graphQL' in given) resolved.graphQL = graphQL(given.graphQL, resolved.graphQL);
  if (!['boolean', 'undefined'].includes(typeof given.userInfo))
    debugWarn('dataCollection.userInfo: not a boolean; ignored', given.userInfo);
  if ('frameContextLines' in given) {
    const lines = contextLines(given.frameContextLines);
    if (lines !== undefined) resolved.frameContextLines = lines;
  }
  for (const key of Object.keys(given)) {
    if (NOT_COLLECTED.includes(key)) debugWarn(`dataCollection.${key}: @x collects no such data`);
    else if (!KNOWN.includes(key)) debugWarn(`dataCollection.${key}: not a category; ignored`);
  }
}

const KNOWN = [
  'userInfo',
  'cookies',
  'httpHeaders',
  'urlQueryParams',
  'graphQL',
  'frameContextLines',
];

/** `value` as a plain object; `undefined` (with a debug line, unless it is absent) otherwise. */
function readObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  debugWarn(`${path}: not an object; ignored`, value);
  return undefined;
}

/**
 * A {@link CollectBehavior} the app set, normalized: `true`, `false`, `{ allow }` or `{ deny }`
 * (with both, `deny` counts, as in v11; terms that are not strings are dropped). Anything else
 * is ignored with a debug line: the category keeps `fallback`. `undefined` keeps it silently.
 */
export function namedData(value: unknown, path: string, fallback: NamedData): NamedData {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return { behavior: value, sensitive: 'filter' };
  const object = readObject(value, path);
  if (!object) return fallback;
  const kind = 'deny' in object ? 'deny' : 'allow' in object ? 'allow' : undefined;
  const terms = kind && object[kind];
  if (!kind || !Array.isArray(terms)) {
    debugWarn(`${path}: expected true, false, { allow: [...] } or { deny: [...] }; ignored`, value);
    return fallback;
  }
  const strings = terms.filter((term): term is string => typeof term === 'string');
  if (strings.length !== terms.length)
    debugWarn(`${path}.${kind}: terms that are not strings dropped`);
  if (kind === 'deny' && 'allow' in object) debugWarn(`${path}: both allow and deny; deny counts`);
  const behavior = kind === 'deny' ? { deny: strings } : { allow: strings };
  return { behavior, sensitive: 'filter' };
}

/** `httpHeaders`: one behaviour for both directions, or `{ request, response }`. */
function httpHeaders(
  value: unknown,
  fallback: ResolvedDataCollection['httpHeaders'],
): ResolvedDataCollection['httpHeaders'] {
  const path = 'dataCollection.httpHeaders';
  const object = typeof value === 'boolean' ? undefined : readObject(value, path);
  if (typeof value === 'boolean' || (object && ('allow' in object || 'deny' in object))) {
    const both = namedData(value, path, fallback.request);
    return both === fallback.request ? fallback : { request: both, response: both };
  }
  if (!object) return fallback;
  return {
    request: namedData(object.request, `${path}.request`, fallback.request),
    response: namedData(object.response, `${path}.response`, fallback.response),
  };
}

/** `graphQL`: `{ document?, variables? }`, booleans. */
function graphQL(
  value: unknown,
  fallback: ResolvedDataCollection['graphQL'],
): ResolvedDataCollection['graphQL'] {
  const object = readObject(value, 'dataCollection.graphQL');
  if (!object) return fallback;
  const flag = (key: 'document' | 'variables') => {
    const given = object[key];
    if (typeof given === 'boolean') return given;
    if (given !== undefined) debugWarn(`dataCollection.graphQL.${key}: not a boolean; ignored`);
    return fallback[key];
  };
  return { document: flag('document'), variables: flag('variables') };
}

/**
 * `frameContextLines`: a whole number of lines (fractions rounded down; a negative number sends
 * none, as in v11). Not a finite number: ignored, `undefined`.
 */
function contextLines(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (value < 0) debugWarn('dataCollection.frameContextLines: negative; no lines sent', value);
    return Math.max(0, Math.floor(value));
  }
  if (value !== undefined)
    debugWarn('dataCollection.frameContextLines: not a finite number; ignored', value);
  return undefined;
}
