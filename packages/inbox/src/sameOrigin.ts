import type { IncomingMessage } from 'node:http';

/** Methods that change nothing, never checked. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF defence of the UI and JSON API's state-changing requests (`DELETE /api/users/:key`):
 * a request a browser sends from another site is refused. Browsers say where a request comes
 * from: `Sec-Fetch-Site` (Chromium, Firefox, Safari since 2023) must be `same-origin` or `none`
 * (typed by the user) — `same-site` is refused too, since another dev server on `localhost:3000`
 * is the same site as the inbox; where only `Origin` is sent, its `host[:port]` must be the
 * request's `Host`. Requests with neither header (curl, scripts, the CLI) are not from a browser
 * page and pass — the Host allow-list and the UI token still apply to them. Ambient credentials
 * are why this matters beyond loopback: a browser re-sends the Basic-auth token on its own.
 *
 * Returns why the request is refused, or `undefined` to serve it.
 */
export function crossSiteRefusal(req: IncomingMessage): string | undefined {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return undefined;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') {
    if (site === 'same-origin' || site === 'none') return undefined;
    return `a ${req.method} from another site (Sec-Fetch-Site: ${site.slice(0, 40)}) is refused: use the inbox's own page or a script without a browser`;
  }
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    let host: string | undefined;
    try {
      host = origin === 'null' ? undefined : new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== undefined && host === (req.headers.host ?? '').toLowerCase()) return undefined;
    return `a ${req.method} from another origin (${origin.slice(0, 100)}) is refused`;
  }
  return undefined;
}
