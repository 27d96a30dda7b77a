import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS =
  'x-sentry-auth, content-type, content-encoding, authorization, sentry-trace, baggage';
const EXPOSED_HEADERS = 'x-sentry-error, x-sentry-rate-limits, retry-after';

const INGEST_PATH = /^\/api\/\d+\/(envelope|store)\/?(\?|$)/;

/**
 * `true` for the ingest endpoints, the only ones other origins may call: the
 * JSON API and the UI hold users' emails and IPs, so no other page may read them.
 */
export function isIngestPath(url: string | undefined): boolean {
  return typeof url === 'string' && INGEST_PATH.test(url);
}

/**
 * Adds CORS headers so browser SDKs on any origin can send events, and answers
 * preflight `OPTIONS` requests (204). Returns `true` when the request was a
 * preflight and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  if (req.method !== 'OPTIONS') return false;
  const requested = req.headers['access-control-request-headers'];
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', requested ?? ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', '3600');
  res.statusCode = 204;
  res.end();
  return true;
}
