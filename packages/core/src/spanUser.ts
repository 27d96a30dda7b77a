// The request's user on its OpenTelemetry server span, by the semantic conventions'
// names, under the same privacy rules as events.
import type { Scopes } from './asyncContext';
import type { Client } from './client';
import { getGlobalScope } from './currentScopes';
import { collectsUserInfo } from './dataCollection';
import { debugWarn } from './debug';
import { createPseudonymizer } from './pseudonymizeUsers';
import { readScopeData, type ScopeData } from './scope';
import { ServerClient } from './serverClient';
import type { OtelSpanLike } from './traceContext';
import type { NormalizedUser } from './user';
import { keepTravelled, type ScopedPseudonymizer } from './userPropagation';

// One pseudonymizer per client (it imports the key once).
const pseudonymizers = new WeakMap<Client, ScopedPseudonymizer>();

/**
 * Puts the user an event of this request would carry on the request's server span:
 * `user.id`; `user.name` (the username), `user.email` and `client.address` (the user's IP) only
 * under `dataCollection.userInfo` (or `sendDefaultPii`) — whoever set them. Under `pseudonymizeUsers` the span gets the pseudonyms.
 * Does nothing without a client or once the span stopped recording. Never throws.
 * Synchronous — `undefined`, the user is on the span — when no user resolver returns a promise
 * and no pseudonyms are made; else a promise that resolves once the user is on the span.
 */
export function annotateServerSpan(
  span: OtelSpanLike,
  scopes: Scopes,
  client: Client | undefined,
): Promise<void> | undefined {
  try {
    if (!client || !span.isRecording()) return undefined;
    const chain = [getGlobalScope(), scopes.isolationScope, scopes.scope].map(readScopeData);
    const user =
      client instanceof ServerClient ? client.resolveEventUser(chain) : client.getEventUser(chain);
    if (user instanceof Promise || (user && client.options.pseudonymizeUsers))
      return annotateLater(span, user, chain, client);
    setSpanUser(span, user, client);
  } catch (error) {
    debugWarn(COULD_NOT, error);
  }
  return undefined;
}

const COULD_NOT = 'could not put the user on the server span';

/** {@link annotateServerSpan} once an async resolver answered, or with the user's pseudonyms. */
async function annotateLater(
  span: OtelSpanLike,
  pending: NormalizedUser | null | Promise<NormalizedUser | null>,
  chain: ScopeData[],
  client: Client,
): Promise<void> {
  try {
    let user = await pending;
    const options = client.options.pseudonymizeUsers;
    if (user && options) {
      let pseudonymize = pseudonymizers.get(client);
      if (!pseudonymize) {
        pseudonymize = keepTravelled(createPseudonymizer(options));
        pseudonymizers.set(client, pseudonymize);
      }
      user = await pseudonymize(user, chain);
    }
    setSpanUser(span, user, client);
  } catch (error) {
    debugWarn(COULD_NOT, error);
  }
}

function setSpanUser(span: OtelSpanLike, user: NormalizedUser | null, client: Client): void {
  if (!user || !span.isRecording()) return;
  const set = (key: string, value: unknown) => {
    if (typeof value === 'string' && value) span.setAttribute(key, value);
  };
  set('user.id', user.id);
  if (collectsUserInfo(client.options)) {
    set('user.name', user.username);
    set('user.email', user.email);
    set('client.address', user.ip_address);
  }
}
