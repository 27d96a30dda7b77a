// The user that travels with a unit of work — a microservice message, a queued job — from the
// service that starts it to the one that runs it. The sender seals the user its own events would
// carry (every privacy rule and pseudonym applied) with HMAC-SHA-256 under `propagationKey`; the
// receiver opens it and makes it the unit's default user. That user is final: the receiver never
// pseudonymizes it again, and seals it on unchanged when the unit starts more work.
// Browser-safe like the rest of the main entry: the runtime's HMAC (node:crypto, injected by the
// node entry) where there is one, Web Crypto otherwise.
import { getCarrier } from './carrier';
import { getScopeChain } from './currentScopes';
import { debugWarn, warnOnce } from './debug';
import { Lru } from './lru';
import { normalizeUser } from './normalizeUser';
import type { ClientOptions } from './options';
import type { Pseudonymizer } from './pseudonymizeUsers';
import { readScopeData, type ScopeData, type UserResolver } from './scope';
import type { NormalizedUser } from './user';

/** The version every token starts with (`x1.<payload>.<mac>`). */
export const USER_TOKEN_VERSION = 'x1';

/** The longest token {@link openUser} reads (characters); {@link sealUser} never makes a longer one. */
export const MAX_USER_TOKEN_LENGTH = 4096;

// Prepended to what is signed: no other HMAC under the same key — a pseudonym's is over
// `"<field>:<value>"` — can ever pass for a token's.
const DOMAIN = '@x/user-propagation\n';
const TOKEN = /^x1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;
const MIN_KEY_BYTES = 16;
// Marks a resolver made by `travelledUser` (a registered symbol: copies of core agree on it).
const TRAVELLED = Symbol.for('@x/core.travelledUser');

/** The serialized, signed user a unit of work carries: `x1.<base64url(JSON)>.<base64url(MAC)>`. */
export type UserToken = string;

/**
 * The user an event captured here and now would send — `dataCollection`, the IP rules and
 * `pseudonymizeUsers` applied — sealed under the client's `propagationKey`, for a unit of work
 * that goes to another service: put it beside the message or job (never inside its payload).
 * A user that travelled in is sealed on unchanged. `undefined` without a key, a server client or
 * a user. Never throws, never rejects.
 *
 * @example await queue.add('invoice', { order, x_user: await sealUser() });
 */
export async function sealUser(): Promise<UserToken | undefined> {
  try {
    const client = getCarrier().client as SealingClient | undefined;
    const key = keyStateOf(client);
    if (!key || typeof client?.getSendableUser !== 'function') return undefined;
    const user = await client.getSendableUser(getScopeChain().map(readScopeData));
    if (!user) return undefined;
    const json = JSON.stringify(user);
    const cached = key.tokens.get(json);
    if (cached) return cached;
    const token = await seal(user, key.bytes);
    if (token) key.tokens.set(json, token);
    return token;
  } catch (error) {
    debugWarn('sealUser: could not seal the user; none travels', error);
    return undefined;
  }
}

/**
 * The user a token from {@link sealUser} carries, normalized again — or `null` when there is no
 * token, no `propagationKey`, or the token is malformed, longer than
 * {@link MAX_USER_TOKEN_LENGTH}, or not signed with this key (said as a debug line): a token
 * that does not verify never yields a user. Synchronous: it verifies with the runtime's HMAC
 * (`node:crypto`, from the Node entry); where there is none (browsers, edge runtimes) it is `null`.
 * Never throws.
 *
 * @example const user = openUser(job.data.x_user); // { id: 'px_…' } or null
 */
export function openUser(token: unknown): NormalizedUser | null {
  try {
    if (token === undefined || token === null) return null;
    const key = propagationKeyOf(getCarrier().client as SealingClient | undefined);
    if (!key) return null;
    if (typeof token !== 'string') return refused(`a ${typeof token}, not a token`);
    if (token.length > MAX_USER_TOKEN_LENGTH) return refused('too long');
    const parts = TOKEN.exec(token);
    if (!parts) return refused('malformed');
    const hmac = getCarrier().runtime?.hmacSha256;
    if (!hmac) return refused('no synchronous HMAC here (the Node entry of @x/core has one)');
    const [, payload = '', mac = ''] = parts;
    const expected = toBase64Url(hmac(key, utf8(`${DOMAIN}${USER_TOKEN_VERSION}.${payload}`)));
    if (!sameText(expected, mac)) return refused('wrong signature');
    const json = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(payload));
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return refused('not a user');
    return normalizeUser(parsed).user;
  } catch (error) {
    return refused('unreadable', error);
  }
}

/**
 * The default user of a unit of work that came with `token` (see {@link sealUser}), as a user
 * resolver: `scope.setUserResolver(travelledUser(token))`, or an adapter's `getUser`. It opens the
 * token when an event first needs the user. Its user is final: sent as it came (no second
 * pseudonym under `pseudonymizeUsers`; email and IP still only under `userInfo`), sealed on
 * unchanged, and kept by `withBackgroundScope` work started in the unit. `setUser` replaces it as
 * it replaces any default user. `undefined` when there is no token.
 *
 * @example withBackgroundScope((scope) => { scope.setUserResolver(travelledUser(job.data.x_user)); return run(job); });
 */
export function travelledUser(token: unknown): UserResolver | undefined {
  if (token === undefined || token === null) return undefined;
  let opened: NormalizedUser | null | undefined;
  const resolve = () => {
    opened ??= openUser(token);
    return opened;
  };
  return Object.assign(resolve, { [TRAVELLED]: true });
}

/** Whether `resolver` was made by {@link travelledUser}. */
export function isTravelledUser(resolver: UserResolver | undefined): boolean {
  return (resolver as { [TRAVELLED]?: unknown } | undefined)?.[TRAVELLED] === true;
}

/** A pseudonymizer told which scopes the user came from (see {@link keepTravelled}). */
export type ScopedPseudonymizer = (
  user: NormalizedUser,
  scopes?: readonly ScopeData[],
) => Promise<NormalizedUser | null>;

/**
 * `pseudonymize`, except for the values of `user` that are the travelled user's of `scopes`
 * (see {@link travelledUser}): those were pseudonymized by the service that sealed them, and
 * go out as they came.
 */
export function keepTravelled(pseudonymize: Pseudonymizer): ScopedPseudonymizer {
  return async (user, scopes) => {
    const travelled = scopes && travelledIn(scopes);
    if (!travelled) return pseudonymize(user);
    const kept: NormalizedUser = {};
    const rest: NormalizedUser = {};
    for (const [key, value] of Object.entries(user)) {
      const same = Object.hasOwn(travelled, key) && sameValue(travelled[key], value);
      (same ? kept : rest)[key] = value;
    }
    const hashed = Object.keys(rest).length > 0 ? await pseudonymize(rest) : null;
    const out: NormalizedUser = { ...hashed, ...kept };
    return Object.keys(out).length > 0 ? out : null;
  };
}

/** What {@link sealUser} needs of the installed client (the server client has it). */
interface SealingClient {
  options?: Readonly<ClientOptions>;
  getSendableUser?(scopes: readonly ScopeData[]): Promise<NormalizedUser | null>;
}

/**
 * The tokens sealed under the current key, by the sealed user's JSON: a token is a function of
 * the key and that JSON alone, so a repeated user (the common case: one user adds many jobs) costs
 * a lookup instead of an HMAC. Emptied when the key changes.
 */
interface KeyState {
  text: string;
  bytes: Uint8Array;
  tokens: Lru<string, UserToken>;
}
let current: KeyState | undefined;
const TOKEN_CACHE_SIZE = 256;

/** The client's `propagationKey` as bytes; `undefined` (a short one said once) when unusable. */
function propagationKeyOf(client: SealingClient | undefined): Uint8Array | undefined {
  return keyStateOf(client)?.bytes;
}

function keyStateOf(client: SealingClient | undefined): KeyState | undefined {
  const key = client?.options?.propagationKey;
  if (typeof key !== 'string' || key === '') return undefined;
  if (current?.text === key) return current;
  const bytes = utf8(key);
  if (bytes.length >= MIN_KEY_BYTES) {
    current = { text: key, bytes, tokens: new Lru(TOKEN_CACHE_SIZE) };
    return current;
  }
  warnOnce(
    'propagation-key',
    `propagationKey needs ${MIN_KEY_BYTES}+ bytes (32+ characters recommended: openssl rand -hex 32); no user travels`,
  );
  return undefined;
}

/** The innermost travelled default user of `scopes` (a scope whose `setUser` did not replace it). */
function travelledIn(scopes: readonly ScopeData[]): NormalizedUser | null {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const { user: own, userResolver } = scopes[i] ?? {};
    if (own === undefined && userResolver && isTravelledUser(userResolver)) {
      const user: unknown = userResolver();
      return user && typeof user === 'object' ? (user as NormalizedUser) : null;
    }
  }
  return null;
}

/** Signs `user`; a user too large for a token goes without its custom data, else not at all. */
async function seal(user: NormalizedUser, key: Uint8Array): Promise<UserToken | undefined> {
  const { id, username, email, ip_address, geo } = user;
  for (const candidate of [user, { id, username, email, ip_address, geo }]) {
    if (!Object.values(candidate).some((value) => value !== undefined)) break;
    const payload = toBase64Url(utf8(JSON.stringify(candidate)));
    // `x1.` + payload + `.` + 43 characters of MAC.
    if (payload.length + 47 > MAX_USER_TOKEN_LENGTH) continue;
    const mac = await hmacSha256(key, utf8(`${DOMAIN}${USER_TOKEN_VERSION}.${payload}`));
    return `${USER_TOKEN_VERSION}.${payload}.${toBase64Url(mac)}`;
  }
  debugWarn(`sealUser: the user does not fit in ${MAX_USER_TOKEN_LENGTH} characters; none travels`);
  return undefined;
}

let imported:
  | { key: string; crypto: ReturnType<typeof globalThis.crypto.subtle.importKey> }
  | undefined;

/** The runtime's HMAC where there is one; Web Crypto otherwise (its key imported once). */
async function hmacSha256(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const sync = getCarrier().runtime?.hmacSha256;
  if (sync) return sync(key, message);
  const id = toBase64Url(key);
  if (imported?.key !== id) {
    const crypto = globalThis.crypto.subtle.importKey(
      'raw',
      key,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    imported = { key: id, crypto };
  }
  return new Uint8Array(
    await globalThis.crypto.subtle.sign('HMAC', await imported.crypto, message),
  );
}

function refused(reason: string, error?: unknown): null {
  debugWarn(`openUser: token refused (${reason}); no user`, ...(error ? [error] : []));
  return null;
}

const encoder = new TextEncoder();
function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

// Node's Buffer encodes base64url natively (several times faster); browsers take the loop below.
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(
        bytes: ArrayBufferLike,
        offset: number,
        length: number,
      ): { toString(encoding: 'base64url'): string };
    };
  }
).Buffer;

function toBase64Url(bytes: Uint8Array): string {
  if (NodeBuffer) {
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  }
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Compares two strings of the same length in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b);
}
