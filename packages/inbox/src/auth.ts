import type { IncomingMessage } from 'node:http';
import { HttpError } from './httpError';

/**
 * The public key a request authenticates with: `sentry_key` in the
 * `X-Sentry-Auth` (or `Authorization: Sentry …`) header, else the
 * `sentry_key` query parameter; `undefined` when there is none.
 */
export function requestKey(req: IncomingMessage, url: URL): string | undefined {
  for (const name of ['x-sentry-auth', 'authorization']) {
    const value = req.headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    if (!text || !/^\s*sentry\s/i.test(text)) continue;
    for (const part of text.replace(/^\s*sentry\s+/i, '').split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === 'sentry_key') {
        const key = part.slice(eq + 1).trim();
        if (key) return key;
      }
    }
  }
  // `searchParams` parses the query on first use: not done for a URL without one.
  return (url.search && url.searchParams.get('sentry_key')) || undefined;
}

/** The public key of the envelope header's `dsn`, if it has a usable one. */
export function dsnKey(dsn: unknown): string | undefined {
  if (typeof dsn !== 'string') return undefined;
  // An SDK sends the same DSN with every envelope: the last one's key is kept.
  if (dsn === lastDsn.dsn) return lastDsn.key;
  let key: string | undefined;
  try {
    key = decodeURIComponent(new URL(dsn).username) || undefined;
  } catch {
    key = undefined;
  }
  lastDsn = { dsn, key };
  return key;
}

let lastDsn: { dsn: string | undefined; key: string | undefined } = {
  dsn: undefined,
  key: undefined,
};

/**
 * Checks a public key: 401 when there is none; with `allowed` set, 403 for any
 * other key. Without `allowed` (development mode) every key is accepted.
 */
export function checkKey(key: string | undefined, allowed: string | undefined): void {
  if (!key) {
    throw new HttpError(401, 'missing authentication: send X-Sentry-Auth or ?sentry_key=', {
      'WWW-Authenticate': 'Sentry',
    });
  }
  if (allowed !== undefined && key !== allowed) {
    throw new HttpError(403, 'unknown public key');
  }
}
