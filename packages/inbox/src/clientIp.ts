import type { IncomingMessage } from 'node:http';
import { clientIpFromHeaders, type TrustProxy } from '@x/core';

/**
 * Which proxies to believe when they add `X-Forwarded-For`: core's {@link TrustProxy} (Express's
 * `trust proxy` values — `false`, `true`, a hop count, addresses/CIDRs/`"loopback"`, …). The
 * strings `"true"`, `"false"` and digits (as `--trust-proxy` passes them) mean the boolean or
 * the hop count.
 */
export type InboxTrustProxy = TrustProxy;

/**
 * Returns a function that gives a request's client IP (canonical), or `undefined`. Throws
 * here, not per request, when `trust` is invalid.
 */
export function createClientIp(
  trust: InboxTrustProxy = false,
): (req: IncomingMessage) => string | undefined {
  const setting = fromCliText(trust);
  // Compiles (and caches) the setting now, so a bad entry fails at startup.
  clientIpFromHeaders({}, setting);
  return (req) => clientIpFromHeaders(req.headers, setting, req.socket.remoteAddress);
}

/** `--trust-proxy true` / `false` / `2` arrive as text; other text is an address list. */
function fromCliText(trust: InboxTrustProxy): InboxTrustProxy {
  if (trust === 'true') return true;
  if (trust === 'false') return false;
  if (typeof trust === 'string' && /^\d+$/.test(trust)) return Number(trust);
  return trust;
}
