import { getCarrier } from '../carrier';
import { debugWarn, setDebug, warnOnce } from '../debug';
import { createPseudonymizer } from '../pseudonymizeUsers';
import { processSentryEvent } from './eventUser';
import {
  createSentryMode,
  type SentryMode,
  sentryModeRegistry,
  type XUserIntegrationOptions,
} from './mode';
import type { SentryClientLike, SentryIntegrationLike } from './types';
import { findLinkedUnits } from './unit';

/**
 * Sentry mode: the Sentry integration that gives the events of an app running Sentry's own SDK
 * (`@sentry/node` 10 or 11, and the SDKs built on it) the user @x resolves — when each event is
 * built, from the framework's login, with the framework's proxy-aware client IP, per request.
 * Sentry keeps capturing, tracing and sending; @x is not `init`ed and sends nothing.
 *
 * With an adapter's middleware in the app (`@x/koa`'s `koaMiddleware()`, …):
 *
 * - a `Sentry.setUser` in any Sentry scope (or a user given with the event) wins whole;
 *   otherwise the event's user is @x's (`getUser`), with Sentry's inferred IP only where @x has none;
 * - without a login the event gets no user from @x (only the client IP, where allowed);
 * - Sentry's resolved settings decide what personal data @x adds: v11's
 *   `dataCollection.userInfo` (default `true`), v10's `sendDefaultPii`; without them only
 *   `id`, `username` and custom data, no email, IP or geo;
 * - `pseudonymizeUsers` applies to the user @x supplies; the user also goes on the request's
 *   server span (`user.id`, and `user.name`, `user.email`, `client.address` where allowed);
 * - any failure leaves the event as Sentry built it (a debug line with Sentry's `debug`).
 *
 * Keep it after Sentry's default integrations (the default order of an `integrations` array), so
 * that it sees the IP Sentry's requestData integration inferred. Throws at once on a
 * `pseudonymizeUsers.key` shorter than 16 bytes.
 *
 * @example
 * Sentry.init({ dsn: process.env.SENTRY_DSN, integrations: [xUserIntegration()] });
 */
export function xUserIntegration(options: XUserIntegrationOptions = {}): SentryIntegrationLike {
  // A key too short is a configuration error: said at start-up, as `init` says it.
  if (options.pseudonymizeUsers) createPseudonymizer(options.pseudonymizeUsers);
  const modes = new WeakMap<SentryClientLike, SentryMode>();
  const modeFor = (client: SentryClientLike): SentryMode => {
    let mode = modes.get(client);
    if (!mode) {
      mode = createSentryMode(client, options);
      modes.set(client, mode);
    }
    return mode;
  };
  return {
    name: 'XUser',
    setup(client) {
      try {
        if (client.getOptions().debug === true) setDebug(true);
        sentryModeRegistry().active = modeFor(client);
        findLinkedUnits();
        warnIfXSends();
      } catch (error) {
        debugWarn('Sentry mode: could not set up; events go without @x', error);
      }
    },
    processEvent(event, hint, client) {
      try {
        return processSentryEvent(event, hint, modeFor(client));
      } catch (error) {
        debugWarn('Sentry mode: could not add the user; event sent as Sentry built it', error);
        return event;
      }
    },
  };
}

/** @x `init`ed with a DSN beside Sentry mode: two SDKs would each send every error. */
function warnIfXSends(): void {
  const client = getCarrier().client as { isEnabled?: () => boolean } | undefined;
  if (client?.isEnabled?.() !== true) return;
  warnOnce(
    'sentry-mode-init',
    'Sentry mode (xUserIntegration) is on and @x was also init()ed with a DSN: both SDKs send each error. In Sentry mode, do not call @x’s init.',
  );
}
