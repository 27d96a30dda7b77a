import type { User } from './user';

/**
 * Maps what auth libraries hand an app to a {@link User} — the one mapper every adapter uses:
 *
 * - a session: Auth.js v5 `auth()` and next-auth v4 `getServerSession()` give
 *   `{ user: { id?, name, email, image }, expires }`: the `user` inside is mapped (an object
 *   whose own fields name no identity and whose `user` is an object counts as a session);
 * - a JWT payload: next-auth's `getToken()`, koa-jwt's `ctx.state.user`, `@nestjs/passport`'s
 *   JWT strategy (`{ sub, name, email }`);
 * - a Passport / koa-passport user (`req.user`, `ctx.state.user`), a database row.
 *
 * Precedence, first present wins — `id`: `id`, `sub`, `_id` (an object with a string form, such
 * as a Mongo ObjectId, counts as its string); `username`: `username`, `preferred_username`,
 * `name`; `email`: `email`. Nothing else is copied (custom data needs an explicit `getUser`).
 * Never throws; `null` for anything that is not an object or names no user.
 *
 * @example mapAuthUser({ sub: '42', name: 'Ada', email: 'ada@x.dev', role: 'admin' })
 * // { id: '42', username: 'Ada', email: 'ada@x.dev' }
 * @example mapAuthUser({ user: { name: 'Ada', email: 'ada@x.dev' }, expires: '2026-12-31T00:00:00Z' })
 * // { username: 'Ada', email: 'ada@x.dev' }
 */
export function mapAuthUser(authUser: unknown): User | null {
  if (typeof authUser !== 'object' || authUser === null) return null;
  try {
    const outer = authUser as Record<string, unknown>;
    const inner = outer.user;
    const source =
      typeof inner === 'object' && inner !== null && !namesIdentity(outer)
        ? (inner as Record<string, unknown>)
        : outer;
    const user: User = {};
    const id = first(source.id, source.sub, source._id);
    const username = first(source.username, source.preferred_username, source.name);
    if (id !== undefined) user.id = id as string;
    if (username !== undefined) user.username = username as string;
    if (typeof source.email === 'string') user.email = source.email;
    return Object.keys(user).length > 0 ? user : null;
  } catch {
    return null;
  }
}

/** Whether an object carries an identity of its own (then it is the user, not a session). */
function namesIdentity(value: Record<string, unknown>): boolean {
  return ['id', 'sub', '_id', 'username', 'preferred_username', 'email'].some(
    (key) => value[key] !== undefined && value[key] !== null,
  );
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
