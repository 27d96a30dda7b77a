import type { NormalizedUser, User } from './user';

const IDENTITY_FIELDS = ['id', 'username', 'email', 'ip_address'] as const;
const KEY_PREFIX = { id: 'id', username: 'username', email: 'email', ip_address: 'ip' } as const;

function identityField(user: User | NormalizedUser | null | undefined) {
  if (!user || typeof user !== 'object') return undefined;
  for (const field of IDENTITY_FIELDS) {
    const value = user[field];
    if (
      (typeof value === 'string' && value.trim() !== '') ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      return { field, value: String(value) };
    }
  }
  return undefined;
}

/**
 * `true` when the user can be told apart from others: it has at least one of
 * `id`, `username`, `email`, `ip_address`.
 */
export function hasIdentity(user: User | NormalizedUser | null | undefined): boolean {
  return identityField(user) !== undefined;
}

/**
 * The key Sentry counts "users affected" by: `id:…`, else `username:…`, else
 * `email:…`, else `ip:…`; `null` when the user has no identity.
 *
 * @example userKey({ username: 'alice', email: 'a@x.dev' }) // 'username:alice'
 */
export function userKey(user: User | NormalizedUser | null | undefined): string | null {
  const found = identityField(user);
  return found ? `${KEY_PREFIX[found.field]}:${found.value}` : null;
}
