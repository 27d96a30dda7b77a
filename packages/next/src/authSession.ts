import type { User } from '@x/core';

/**
 * Maps an Auth.js / next-auth session (`{ user: { id, name, email } }`) or its
 * JWT (`{ sub, name, email }`) to a {@link User}. Custom fields are not copied:
 * add them in your own `getUser`.
 *
 * @example getUser: async (req) => userFromAuthSession(await getToken({ req, secret }))
 */
export function userFromAuthSession(session: unknown): User | null {
  if (!session || typeof session !== 'object') return null;
  const s = session as {
    user?: Record<string, unknown> | undefined;
    sub?: unknown | undefined;
    id?: unknown | undefined;
    name?: unknown | undefined;
    email?: unknown | undefined;
  };
  const source = s.user && typeof s.user === 'object' ? s.user : (s as Record<string, unknown>);
  const id = source.id ?? s.sub ?? source.sub;
  const user: User = {};
  if (typeof id === 'string' || typeof id === 'number') user.id = id;
  if (typeof source.name === 'string') user.username = source.name;
  if (typeof source.email === 'string') user.email = source.email;
  return Object.keys(user).length > 0 ? user : null;
}
