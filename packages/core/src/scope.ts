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
 * Called (only with `sendDefaultPii`) when an error is captured, while the request still exists.
 */
export type ClientIpGetter = () => string | null | undefined;

/** What an adapter records about the request a scope belongs to. */
export interface RequestData {
  method?: string | undefined;
  /** Full URL; the query string is split off into `query_string` on the event. */
  url?: string | undefined;
  headers?: Record<string, string | string[] | number | undefined> | undefined;
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
  private _user: NormalizedUser | null | undefined;
  private _userKeys: readonly string[] = [];
  private _userResolver: UserResolver | undefined;
  private _tags: Record<string, Primitive> = {};
  private _contexts: Record<string, Record<string, unknown> | null> = {};
  private _extra: Record<string, unknown> = {};
  private _level: SeverityLevel | undefined;
  private _fingerprint: string[] | undefined;
  private _request: RequestData | undefined;
  private _breadcrumbs: Breadcrumb[] = [];

  /**
   * Sets this scope's user, as Sentry's `setUser` does: it replaces the request's default user
   * (the adapter's resolver) completely — nothing of the default is mixed in. `null` (or
   * `undefined`) clears it: no default user either, and id, username, email and IP of the
   * scopes below are blanked. The user is normalized now (a snapshot: later changes to the
   * object do not leak in); dropped values are reported through the debug logger, never thrown.
   */
  setUser(user: User | null | undefined): this {
    if (user === null || user === undefined) {
      this._user = null;
      this._userKeys = [];
      return this;
    }
    const { user: normalized, errors } = normalizeUser(user);
    if (errors.length > 0) debugWarn('setUser: dropped invalid user values', errors);
    this._user = freezeUser(normalized ?? {});
    this._userKeys = Object.freeze(ownKeys(user));
    return this;
  }

  /** The user set on this scope with `setUser` (without the resolver's), or `null`. */
  getUser(): NormalizedUser | null {
    return this._user && Object.keys(this._user).length > 0 ? this._user : null;
  }

  /** Registers (or, with `undefined`, removes) the lazy {@link UserResolver}. */
  setUserResolver(resolver: UserResolver | undefined): this {
    this._userResolver = resolver;
    return this;
  }

  /** The registered {@link UserResolver}, if any. */
  getUserResolver(): UserResolver | undefined {
    return this._userResolver;
  }

  /** Sets one tag. */
  setTag(key: string, value: Primitive): this {
    this._tags = { ...this._tags, [key]: value };
    return this;
  }

  /** Sets several tags at once. */
  setTags(tags: Record<string, Primitive>): this {
    this._tags = { ...this._tags, ...tags };
    return this;
  }

  /** Sets (or with `null` removes) a named context, e.g. `setContext('order', { id })`. */
  setContext(name: string, context: Record<string, unknown> | null): this {
    const next = { ...this._contexts };
    if (context === null) delete next[name];
    else next[name] = context;
    this._contexts = next;
    return this;
  }

  /** Sets one piece of extra data. */
  setExtra(key: string, value: unknown): this {
    this._extra = { ...this._extra, [key]: value };
    return this;
  }

  /** Sets several pieces of extra data. */
  setExtras(extras: Record<string, unknown>): this {
    this._extra = { ...this._extra, ...extras };
    return this;
  }

  /** Overrides the level of events captured in this scope. */
  setLevel(level: SeverityLevel | undefined): this {
    this._level = level;
    return this;
  }

  /** Overrides how events captured in this scope are grouped into issues. */
  setFingerprint(fingerprint: string[] | undefined): this {
    this._fingerprint = fingerprint ? [...fingerprint] : undefined;
    return this;
  }

  /** Records the request this scope belongs to (adapters call this once per request). */
  setRequest(request: RequestData | undefined): this {
    this._request = request;
    return this;
  }

  /** The request recorded by {@link setRequest}. */
  getRequest(): RequestData | undefined {
    return this._request;
  }

  /** Adds a breadcrumb (timestamped now unless given); keeps the last {@link MAX_BREADCRUMBS}. */
  addBreadcrumb(breadcrumb: Breadcrumb): this {
    const crumb = { timestamp: Date.now() / 1000, ...breadcrumb };
    this._breadcrumbs = [...this._breadcrumbs.slice(-(MAX_BREADCRUMBS - 1)), crumb];
    return this;
  }

  /** Removes every breadcrumb. */
  clearBreadcrumbs(): this {
    this._breadcrumbs = [];
    return this;
  }

  /** Removes everything from the scope. */
  clear(): this {
    this._user = undefined;
    this._userKeys = [];
    this._userResolver = undefined;
    this._tags = {};
    this._contexts = {};
    this._extra = {};
    this._level = undefined;
    this._fingerprint = undefined;
    this._request = undefined;
    this._breadcrumbs = [];
    return this;
  }

  /** A new scope with the same data; changes to either do not affect the other. */
  clone(): Scope {
    const copy = new Scope();
    copy._user = this._user;
    copy._userKeys = this._userKeys;
    copy._userResolver = this._userResolver;
    copy._tags = this._tags;
    copy._contexts = this._contexts;
    copy._extra = this._extra;
    copy._level = this._level;
    copy._fingerprint = this._fingerprint;
    copy._request = this._request;
    copy._breadcrumbs = this._breadcrumbs;
    return copy;
  }

  /** A snapshot of the scope's data, safe to keep after the scope changes. */
  getScopeData(): ScopeData {
    return {
      user: this._user,
      userKeys: this._userKeys,
      userResolver: this._userResolver,
      tags: this._tags,
      contexts: this._contexts,
      extra: this._extra,
      level: this._level,
      fingerprint: this._fingerprint,
      request: this._request,
      breadcrumbs: this._breadcrumbs,
    };
  }
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
