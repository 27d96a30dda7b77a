// Sentry mode's process-wide state: which Sentry client set up `xUserIntegration` (adapters ask,
// once per unit of work) and which errors escaped which unit. It hangs on @x's carrier, so every
// copy of `@x/core/sentry` (ESM and CommonJS, two versions) shares it, as they share the scopes.
import type { Scopes } from '../asyncContext';
import { getCarrier } from '../carrier';
import type { PseudonymizeUsers } from '../pseudonymizeUsers';
import { ServerClient } from '../serverClient';
import type { NormalizedUser } from '../user';
import { SDK_VERSION } from '../version';
import { findSentryCarrier } from './sentryScopes';
import type { SentryClientLike, SentryVersionCarrier } from './types';

/** Options of `xUserIntegration`. */
export interface XUserIntegrationOptions {
  /**
   * Sends the user @x supplies with `id`, `username` and `email` as keyed `px_…` pseudonyms and
   * custom user data only when listed in `allow` — on events and on the server span. A user the
   * app sets through Sentry (`Sentry.setUser`) is Sentry's and goes as Sentry sends it.
   * See `PseudonymizeUsers` and docs/privacy.md. @default off
   */
  pseudonymizeUsers?: PseudonymizeUsers | undefined;
  /** How long an event (or the server span) waits for an async `getUser`. @default 1000 */
  userResolverTimeoutMs?: number | undefined;
}

/** Sentry mode for one Sentry client. */
export interface SentryMode {
  readonly client: SentryClientLike;
  /**
   * @x's user rules under Sentry's settings: a server client without a DSN, which never sends;
   * only its user building (resolvers, privacy and IP rules, pseudonyms) is used.
   */
  readonly users: ServerClient;
  /** Sentry's resolved `dataCollection.userInfo` (v11) or `sendDefaultPii` (v10). */
  readonly userInfo: boolean;
  /** The `__SENTRY__` entry holding the client, found on first use. */
  carrier: SentryVersionCarrier | undefined;
}

/** What all copies of `@x/core/sentry` share. */
export interface SentryModeRegistry {
  /** The mode of the client that set the integration up last: what adapters link units to. */
  active?: SentryMode | undefined;
  /** The unit each error escaped from, for captures made outside the unit (Koa's `error` event). */
  readonly escaped: WeakMap<object, Scopes>;
}

/** A unit of work's scopes, as linked to Sentry's isolation scope (made on first call). */
export type UnitLink = () => Scopes | undefined;

const REGISTRY = Symbol.for('@x/core.sentryMode');

/** The process-wide {@link SentryModeRegistry}. */
export function sentryModeRegistry(): SentryModeRegistry {
  const carrier = getCarrier() as ReturnType<typeof getCarrier> & {
    [REGISTRY]?: SentryModeRegistry;
  };
  carrier[REGISTRY] ??= { escaped: new WeakMap() };
  return carrier[REGISTRY];
}

/**
 * Whether Sentry's resolved settings let an SDK collect user info: v11's
 * `client.getDataCollectionOptions().userInfo` (default `true`), else v10's `sendDefaultPii`.
 */
export function sentryCollectsUserInfo(client: SentryClientLike): boolean {
  try {
    const userInfo = client.getDataCollectionOptions?.()?.userInfo;
    if (typeof userInfo === 'boolean') return userInfo;
    return client.getOptions().sendDefaultPii === true;
  } catch {
    return false;
  }
}

/** Sentry mode for `client`, with @x's user rules set to Sentry's data-collection settings. */
export function createSentryMode(
  client: SentryClientLike,
  options: XUserIntegrationOptions,
): SentryMode {
  const userInfo = sentryCollectsUserInfo(client);
  const users = new SentryModeUsers(
    userInfo,
    {
      platform: 'node',
      sendDefaultPii: userInfo,
      sendClientReports: false,
      ...(options.pseudonymizeUsers ? { pseudonymizeUsers: options.pseudonymizeUsers } : {}),
      ...(options.userResolverTimeoutMs
        ? { userResolverTimeoutMs: options.userResolverTimeoutMs }
        : {}),
      sdk: { name: 'x.javascript.sentry-mode', version: SDK_VERSION },
    },
    undefined,
  );
  return { client, users, userInfo, carrier: undefined };
}

/**
 * @x's user rules under Sentry's settings. Without `userInfo` no geo either (Sentry's category
 * covers it) — for events and for what `getEventUser` says alike.
 */
class SentryModeUsers extends ServerClient {
  constructor(
    private readonly userInfo: boolean,
    ...args: ConstructorParameters<typeof ServerClient>
  ) {
    super(...args);
  }

  override resolveEventUser(
    ...args: Parameters<ServerClient['resolveEventUser']>
  ): NormalizedUser | null | Promise<NormalizedUser | null> {
    const user = super.resolveEventUser(...args);
    return user instanceof Promise
      ? user.then((resolved) => this.gated(resolved))
      : this.gated(user);
  }

  override getEventUserSync(
    ...args: Parameters<ServerClient['getEventUserSync']>
  ): NormalizedUser | null {
    return this.gated(super.getEventUserSync(...args));
  }

  private gated(user: NormalizedUser | null): NormalizedUser | null {
    if (this.userInfo || !user?.geo) return user;
    const { geo: _geo, ...rest } = user;
    return Object.keys(rest).length > 0 ? rest : null;
  }
}

/** The `__SENTRY__` entry of the mode's client (looked up until found, then kept). */
export function sentryCarrierOf(mode: SentryMode): SentryVersionCarrier | undefined {
  mode.carrier ??= findSentryCarrier(mode.client);
  return mode.carrier;
}
