import type { IncomingMessage } from 'node:http';
import { parseIp } from '@x/core/internal';
import proxyAddr from 'proxy-addr';

/**
 * Which proxies to believe when they add `X-Forwarded-For`: `false` (none, the
 * default: the socket's peer is the client), `true` (all: the left-most
 * address wins), a hop count, or addresses/CIDRs/names that `proxy-addr`
 * understands (`"loopback"`, `"10.0.0.0/8"`, …).
 */
export type InboxTrustProxy = boolean | number | string | string[];

/** Returns a function that gives a request's client IP (canonical), or `undefined`. */
export function createClientIp(
  trust: InboxTrustProxy = false,
): (req: IncomingMessage) => string | undefined {
  const check = compileTrust(trust);
  return (req) => {
    const raw = check ? proxyAddr(req, check) : req.socket.remoteAddress;
    return raw ? (parseIp(raw) ?? undefined) : undefined;
  };
}

function compileTrust(
  trust: InboxTrustProxy,
): ((addr: string, hop: number) => boolean) | undefined {
  if (trust === false || trust === 'false' || trust === 0) return undefined;
  if (trust === true || trust === 'true') return () => true;
  if (typeof trust === 'number') return (_addr, hop) => hop < trust;
  if (typeof trust === 'string' && /^\d+$/.test(trust)) {
    const hops = Number(trust);
    return (_addr, hop) => hop < hops;
  }
  const list = typeof trust === 'string' ? trust.split(',').map((part) => part.trim()) : trust;
  return proxyAddr.compile(list);
}
