import type { NextAdapterOptions } from './config';
import { runForRequest } from './requestScope';

/**
 * Wraps a server action: an isolation scope per call, the user from
 * `getUser(request)` — with a request rebuilt from the action's headers and
 * cookies — and capture, once, of what it throws.
 *
 * @example
 * export const pay = withServerAction(async (form: FormData) => { … });
 */
export function withServerAction<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
  options: NextAdapterOptions = {},
): (...args: A) => Promise<R> {
  return async function xServerAction(...args: A): Promise<R> {
    // Loaded lazily: `next/headers` resolves inside Next's bundles, not from plain Node ESM, and
    // this package must stay importable anywhere (scripts, custom servers, tests).
    const { headers } = await import('next/headers');
    const incoming = await headers();
    const host = incoming.get('host') ?? 'localhost';
    const proto = incoming.get('x-forwarded-proto') ?? 'http';
    const path = safePath(incoming.get('next-url') ?? incoming.get('referer'));
    const request = new Request(`${proto}://${host}${path}`, {
      method: 'POST',
      headers: new Headers(incoming),
    });
    return runForRequest(request, options, 'nextjs.server_action', () => action(...args));
  };
}

function safePath(value: string | null): string {
  if (!value) return '/';
  try {
    return new URL(value, 'http://x').pathname;
  } catch {
    return '/';
  }
}
