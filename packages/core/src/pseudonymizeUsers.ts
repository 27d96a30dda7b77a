import { getCarrier } from './carrier';
import { debugWarn } from './debug';
import { normalizeUser } from './normalizeUser';
import type { ClientOptions } from './options';
import type { NormalizedUser } from './user';

/**
 * The `pseudonymizeUsers` option: `id`, `username` and `email` leave the process as keyed
 * hashes (`px_` + 32 hex characters), custom user data only when listed in `allow`.
 *
 * @example init({ pseudonymizeUsers: { key: process.env.X_PSEUDONYMIZE_KEY, allow: ['plan'] } });
 */
export interface PseudonymizeUsers {
  /**
   * The app's secret, at least 16 bytes (a string counts its UTF-8 bytes); e.g. from
   * `openssl rand -hex 32`. Services sharing a key give one person one pseudonym; another key
   * gives others. Never sent, never logged. In a browser bundle it is public: see docs/privacy.md.
   */
  key: string | Uint8Array;
  /** Custom user keys sent as they are; every other custom key is dropped. @default [] */
  allow?: readonly string[] | undefined;
}

/** HMAC-SHA-256 (the node entry injects one on `node:crypto`; elsewhere Web Crypto is used). */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array;

/** Turns a user into what is sent under {@link PseudonymizeUsers}; `null` when nothing is left. */
export type Pseudonymizer = (user: NormalizedUser) => Promise<NormalizedUser | null>;

/** What every pseudonym starts with. */
export const PSEUDONYM_PREFIX = 'px_';

/**
 * A {@link Pseudonymizer} for `options`: each of `id`, `username`, `email` becomes
 * `px_` + hex of the first 16 bytes of HMAC-SHA-256(key, `"<field>:<value>"`); `ip_address` and
 * `geo` pass unchanged; other keys only when in `allow`. A value that cannot be hashed is
 * dropped (never sent raw), with a debug line. Throws at once on a missing or short key.
 *
 * @param hmac a synchronous HMAC (default: the runtime's, else Web Crypto, key imported once)
 */
export function createPseudonymizer(
  options: PseudonymizeUsers,
  hmac: HmacSha256 | undefined = getCarrier().runtime?.hmacSha256,
): Pseudonymizer {
  // Written for size: this ships in the browser bundle.
  const encode = (text: string) => new TextEncoder().encode(text);
  const raw = options.key;
  const key = typeof raw === 'string' ? encode(raw) : raw;
  if (!(key instanceof Uint8Array) || key.length < 16)
    throw new TypeError('@x/core: pseudonymizeUsers.key needs 16+ bytes: openssl rand -hex 32');
  const secret = key.slice();
  const allow = new Set(options.allow);
  let imported: ReturnType<typeof crypto.subtle.importKey> | undefined;
  const sign = async (message: Uint8Array): Promise<Uint8Array> => {
    if (hmac) return hmac(secret, message);
    const subtle = crypto.subtle;
    imported ??= subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return new Uint8Array(await subtle.sign('HMAC', await imported, message));
  };
  return async (user) => {
    const out: NormalizedUser = {};
    const dropped: string[] = [];
    for (const [field, value] of Object.entries(user)) {
      if (field === 'id' || field === 'username' || field === 'email') {
        try {
          const mac = await sign(encode(`${field}:${value}`));
          out[field] =
            PSEUDONYM_PREFIX +
            Array.from(mac.subarray(0, 16), (byte) => (byte | 256).toString(16).slice(1)).join('');
        } catch (error) {
          debugWarn(`pseudonymizeUsers: user.${field} not hashed; dropped`, error);
        }
      } else if (field === 'ip_address' || field === 'geo' || allow.has(field)) {
        out[field] = value;
      } else dropped.push(field);
    }
    if (dropped.length > 0)
      debugWarn(`pseudonymizeUsers: dropped user keys not in allow:`, dropped);
    return Object.keys(out).length > 0 ? out : null;
  };
}

/**
 * The user as the current client sends it under `pseudonymizeUsers` (normalized, then
 * pseudonymized; without the option, only normalized). For a user that goes elsewhere without the
 * key: e.g. a server hands the browser its signed-in user already pseudonymized, or support looks
 * up the pseudonym of an account.
 *
 * @example const user = await pseudonymizeUser({ id: 'u-1', email: 'a@b.c' }); // { id: 'px_…', email: 'px_…' }
 */
export async function pseudonymizeUser(user: unknown): Promise<NormalizedUser | null> {
  const normalized = normalizeUser(user).user;
  const client = getCarrier().client as { options?: ClientOptions } | undefined;
  const options = client?.options?.pseudonymizeUsers;
  return normalized && options ? createPseudonymizer(options)(normalized) : normalized;
}
