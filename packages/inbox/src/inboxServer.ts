import { createServer, type IncomingMessage, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { applyCors, isIngestPath } from './cors';
import { isWildcardAddress } from './hostCheck';
import { count } from './ingest';
import { type Router, send } from './router';
import { crossSiteRefusal } from './sameOrigin';

const JSON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

/**
 * The checks every request passes before the router. Both depend on the bound address, known
 * only once listening, so the server reads them at each request and the caller fills them in.
 */
export interface RequestGuard {
  /** Why this request's `Host` is refused (DNS rebinding), or `undefined` to answer it. */
  refuseHost: (req: IncomingMessage) => string | undefined;
  /** Whether a UI or API request carries the token; `undefined` when they are open. */
  authorized: ((req: IncomingMessage) => boolean) | undefined;
}

/**
 * The inbox's HTTP server: each request passes the host check, the UI/API token, the
 * cross-site check and ingest CORS, in that order, before the router; refusals are counted in
 * `refused` (for `/api/health`).
 */
export function createInboxServer(
  router: Router,
  guard: RequestGuard,
  refused: Map<string, number>,
): Server {
  const server = createServer((req, res) => {
    // DNS rebinding: a foreign Host is refused before anything else, ingest, API and UI alike.
    const hostRefusal = guard.refuseHost(req);
    if (hostRefusal !== undefined) {
      count(refused, 'host');
      send(res, { status: 403, body: { detail: hostRefusal }, headers: JSON_HEADERS });
      return;
    }
    const ingest = isIngestPath(req.url);
    // Beyond loopback the UI and API need the token; ingest keeps its DSN-key auth.
    if (guard.authorized && !ingest && !guard.authorized(req)) {
      count(refused, 'ui_auth');
      send(res, {
        status: 401,
        body: { detail: 'the inbox UI and API need the token printed at startup (--ui-auth)' },
        headers: { ...JSON_HEADERS, 'WWW-Authenticate': 'Basic realm="x-inbox", charset="UTF-8"' },
      });
      return;
    }
    // CSRF: a state-changing UI/API request (DELETE /api/users/:key) from another site is refused.
    const crossSite = ingest ? undefined : crossSiteRefusal(req);
    if (crossSite !== undefined) {
      count(refused, 'cross_site');
      send(res, { status: 403, body: { detail: crossSite }, headers: JSON_HEADERS });
      return;
    }
    // Cross-origin access for ingest only (browser SDKs); the API and UI stay same-origin.
    if (ingest && applyCors(req, res)) return;
    void router.handle(req, res);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Starts listening; rejects when the port cannot be bound (in use, no permission). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The warning for a bind beyond loopback: who can reach it and what they can read. */
export function exposureWarning(
  address: string,
  boundUrl: string,
  key: string | undefined,
  uiToken: string | undefined,
): string {
  const reach = isWildcardAddress(address)
    ? `every network interface (${interfaceAddresses().join(', ')})`
    : address;
  return (
    `@x/inbox: WARNING: listening on ${boundUrl}, reachable from other machines on ${reach}. ` +
    `Anyone who can reach it can send events${key === undefined ? ' (no --key: any key is accepted)' : ''}; ` +
    (uiToken === undefined
      ? 'the UI and API are OPEN to them (--no-auth): every stored email, IP, cookie and header is readable.'
      : 'the UI and API need the token (Basic auth password or Bearer).')
  );
}

/** An address as a URL host: brackets around IPv6. */
export function bracket(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** This machine's non-internal interface addresses (what a wildcard bind exposes). */
function interfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (!entry.internal) out.push(entry.address);
  }
  return out.length > 0 ? out : ['no other interface found'];
}

/** The address clients should use: loopback for wildcard binds, brackets for IPv6. */
export function publicHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
