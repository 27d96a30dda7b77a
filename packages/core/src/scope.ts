import { debugWarn } from './debug';
import type { Breadcrumb } from './event';
import { normalizeUser } from './normalizeUser';
import type { NormalizedUser, User } from './user';

/**
 * A function that returns the framework's signed-in user (already mapped to a
 * {@link User}), or nothing. Adapters register one per request; it runs lazily,
 * only when an event is built or the user is read, so it sees whatever the auth
 * middleware set — however the middleware is ordered.
 */
export type UserResolver = () => User | null | undefined | PromiseLike<User | null | undefined>;

/** Severity of an event, as in Sentry. */
export type SeverityLevel = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

/** A JSON-ish tag value. */
export type Primitive = string | number | boolean | bigint | symbol | null | undefined;

/**
 * Returns the client IP of the current request as the framework sees it
 * (Koa `ctx.ip`, Express/Fastify `req.ip`), honouring its proxy settings.
 * Called (only under `dataCollection.userInfo`) when an error is captured, while the request
 * still exists.
 */
export type ClientIpGetter = () => string | null | undefined;

/** What an adapter records about the request a scope belongs to. */
export interface RequestData {
  method?: string | undefined;
  /**
   * Full URL; the query string is split off into `query_string` on the event. May be a getter:
   * it is read when something is captured, on the capturing path (as `clientIp` and `route`),
   * so a request nothing is captured in never builds its URL.
   */
  url?: string | (() => string | undefined) | undefined;
  /** Node-style headers, or Web `Headers` (read only when an event is built). */
  headers?: Record<string, string | string[] | number | undefined> | Headers | undefined;
  /** The framework's proxy-aware client IP; see {@link ClientIpGetter}. */
  clientIp?: ClientIpGetter | undefined;
  /**
   * The route the framework matched (`/users/:id`, not the raw URL), read when something is
   * captured — routing may happen after the adapter saw the request. Names the event's
   * `transaction` as `"<METHOD> <route>"`.
   */
  route?: (() => string | undefined) | undefined;
}

/** How many breadcrumbs a scope keeps (oldest dropped first). */
export const MAX_BREADCRUMBS = 100;

/** A plain snapshot of everything a scope holds. */
export interface ScopeData {
  /**
   * The user set on the scope: `undefined` when `setUser` was never called (the resolver's
   * default user applies), `null` after `setUser(null)`, else the normalized user (possibly `{}`).
   */
  user: NormalizedUser | null | undefined;
  /**
   * Every key the app passed to `setUser`, kept or not: as in @sentry/core, a key set to
   * `undefined`, `null` or a value @x drops still overwrites (blanks) the scopes below.
   */
  userKeys: readonly string[];
  userResolver: UserResolver | undefined;
  tags: Record<string, Primitive>;
  contexts: Record<string, Record<string, unknown> | null>;
  extra: Record<string, unknown>;
  level: SeverityLevel | undefined;
  fingerprint: string[] | undefined;
  request: RequestData | undefined;
  /** The name events of this scope carry as `transaction`, unless the event names one. */
  transactionName: string | undefined;
  breadcrumbs: Breadcrumb[];
}

/**
 * Data that is attached to events captured while the scope is active.
 *
 * There are three kinds: the global scope (whole process), the isolation
 * scope (one per request) and the current scope (forked by `withScope`).
 * Top-level `setUser`, `setTag`, … write to the isolation scope.
 */
export class Scope {
  // One object, replaced field by field (copy on write): a snapshot or a clone shares it safely.
  private _data: ScopeData = EMPTY_SCOPE_DATA;

  /**
   * Sets this scope's user, as Sentry's `setUser` does: it replaces the request's default user
   * (the adapter's resolver) completely — nothing of the default is mixed in. `null` (or
   * `undefined`) clears it: no default user either, and id, username, email and IP of the
   * scopes below are blanked. The user is normalized now (a snapshot: later changes to the
   * object do not leak in); dropped values are reported through the debug logger, never thrown.
   */
  setUser(user: User | null | undefined): this {
    if (user === null || user === undefined) return this._set({ user: null, userKeys: [] });
    const { user: normalized, errors } = normalizeUser(user);
    if (errors.length > 0) debugWarn('setUser: dropped invalid user values', errors);
    return this._set({
      user: freezeUser(normalized ?? {}),
      userKeys: Object.freeze(ownKeys(user)),
    });
  }

  /** The user set on this scope with `setUser` (without the resolver's), or `null`. */
  getUser(): NormalizedUser | null {
    const { user } = this._data;
    return user && Object.keys(user).length > 0 ? user : null;
  }

  /** Registers (or, with `undefined`, removes) the lazy {@link UserResolver}. */
  setUserResolver(userResolver: UserResolver | undefined): this {
    return this._set({ userResolver });
  }

  /** The registered {@link UserResolver}, if any. */
  getUserResolver(): UserResolver | undefined {
    return this._data.userResolver;
  }

  /** Sets one tag. */
  setTag(key: string, value: Primitive): this {
    return this.setTags({ [key]: value });
  }

  /** Sets several tags at once. */
  setTags(tags: Record<string, Primitive>): this {
    return this._set({ tags: { ...this._data.tags, ...tags } });
  }

  /** Sets (or with `null` removes) a named context, e.g. `setContext('order', { id })`. */
  setContext(name: string, context: Record<string, unknown> | null): this {
    const contexts = { ...this._data.contexts, [name]: context };
    if (context === null) delete contexts[name];
    return this._set({ contexts });
  }

  /** Sets one piece of extra data. */
  setExtra(key: string, value: unknown): this {
    return this.setExtras({ [key]: value });
  }

  /** Sets several pieces of extra data. */
  setExtras(extras: Record<string, unknown>): this {
    return this._set({ extra: { ...this._data.extra, ...extras } });
  }

  /** Overrides the level of events captured in this scope. */
  setLevel(level: SeverityLevel | undefined): this {
    return this._set({ level });
  }

  /** Overrides how events captured in this scope are grouped into issues. */
  setFingerprint(fingerprint: string[] | undefined): this {
    return this._set({ fingerprint: fingerprint && [...fingerprint] });
  }

  /**
   * Names the unit of work events of this scope happened in (their `transaction`), as Sentry's
   * `scope.setTransactionName` does: `query Boom`, `job invoices/send`. An HTTP request's
   * `"<METHOD> <route>"` is used when no scope names one.
   */
  setTransactionName(name: string | undefined): this {
    return this._set({ transactionName: name });
  }

  /** Records the request this scope belongs to (adapters call this once per request). */
  setRequest(request: RequestData | undefined): this {
    return this._set({ request });
  }

  /** The request recorded by {@link setRequest}. */
  getRequest(): RequestData | undefined {
    return this._data.request;
  }

  /** Adds a breadcrumb (timestamped now unless given); keeps the last {@link MAX_BREADCRUMBS}. */
  addBreadcrumb(breadcrumb: Breadcrumb): this {
    const crumb = { timestamp: Date.now() / 1000, ...breadcrumb };
    return this._set({
      breadcrumbs: [...this._data.breadcrumbs.slice(-(MAX_BREADCRUMBS - 1)), crumb],
    });
  }

  /** Removes every breadcrumb. */
  clearBreadcrumbs(): this {
    return this._set({ breadcrumbs: [] });
  }

  /** Removes everything from the scope. */
  clear(): this {
    this._data = EMPTY_SCOPE_DATA;
    return this;
  }

  /** A new scope with the same data; changes to either do not affect the other. */
  clone(): Scope {
    const copy = new Scope();
    copy._data = this._data;
    return copy;
  }

  /** A snapshot of the scope's data, safe to keep after the scope changes. */
  getScopeData(): ScopeData {
    return { ...this._data };
  }

  private _set(changes: Partial<ScopeData>): this {
    this._data = { ...this._data, ...changes };
    return this;
  }
}

/**
 * The scope's data as it is now, not copied: nothing changes a scope's data in place (every
 * change replaces it), so what this returns stays as it is while the reader only reads it. For
 * @x's own readers, on every capture and traced request; `getScopeData()` hands out a copy.
 */
export function readScopeData(scope: Scope): Readonly<ScopeData> {
  // biome-ignore lint/complexity/useLiteralKeys: the field is private; TypeScript lets only this form reach it
  return scope['_data'];
}

/** Sets several fields of a scope's data in one change (what one request's description sets). */
export function setScopeFields(scope: Scope, changes: Partial<ScopeData>): void {
  // biome-ignore lint/complexity/useLiteralKeys: the method is private; TypeScript lets only this form reach it
  scope['_set'](changes);
}

// Shared by every new or cleared scope (a request forks two): nothing ever writes into a
// scope's data in place, and freezing makes sure of it.
const EMPTY_SCOPE_DATA: ScopeData = deepFreeze({
  user: undefined,
  userKeys: [],
  userResolver: undefined,
  tags: {},
  contexts: {},
  extra: {},
  level: undefined,
  fingerprint: undefined,
  request: undefined,
  transactionName: undefined,
  breadcrumbs: [],
});

function deepFreeze<T extends object>(data: T): T {
  for (const value of Object.values(data))
    if (value && typeof value === 'object') Object.freeze(value);
  return Object.freeze(data);
}

/** The own string keys of a user object (at most 1,000); none when it cannot be read. */
function ownKeys(user: unknown): string[] {
  try {
    return typeof user === 'object' && user !== null ? Object.keys(user).slice(0, 1000) : [];
  } catch {
    return [];
  }
}

function freezeUser(user: NormalizedUser): NormalizedUser {
  if (user.geo) Object.freeze(user.geo);
  return Object.freeze(user);
}
