import type { User } from './user';

/**
 * Maps what auth libraries put on the request (`ctx.state.user` from koa-jwt
 * or koa-passport, `req.user` from Passport, a JWT payload, an Auth.js
 * session user) to a {@link User}: `id` (or `sub`, or `_id`), `username` (or
 * `preferred_username`, or `name`), `email`. Nothing else is copied: custom
 * data needs an explicit `getUser`. Never throws; returns `null` for anything
 * that is not an object.
 *
 * @example mapAuthUser({ sub: '42', name: 'Ada', email: 'ada@x.dev', role: 'admin' })
 * // { id: '42', username: 'Ada', email: 'ada@x.dev' }
 */
export function mapAuthUser(authUser: unknown): User | null {
  if (typeof authUser !== 'object' || authUser === null) return null;
  try {
    const u = authUser as Record<string, unknown>;
    const user: User = {};
    const id = first(u.id, u.sub, u._id);
    const username = first(u.username, u.preferred_username, u.name);
    if (id !== undefined) user.id = id as string;
    if (username !== undefined) user.username = username as string;
    if (u.email !== undefined && u.email !== null) user.email = u.email as string;
    return Object.keys(user).length > 0 ? user : null;
  } catch {
    return null;
  }
}

function first(...values: unknown[]): unknown {
  for (const value of values) {
    if (typeof value === 'string' || typeof value === 'number') return value;
    // Mongo ObjectIds and similar: anything with a meaningful string form.
    if (typeof value === 'object' && value !== null && typeof value.toString === 'function') {
      const text = String(value);
      if (text !== '[object Object]') return text;
    }
  }
  return undefined;
}
