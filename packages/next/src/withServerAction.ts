import type { NextAdapterOptions } from './config';
import { runForRequest } from './requestScope';

/** Options of {@link withServerAction}: the adapter's, and the action's name. */
export interface ServerActionOptions extends NextAdapterOptions {
  /**
   * Names the action's events (`transaction: "serverAction/<name>"`).
   * @default the function's name (where the build keeps it; `next build` does not), else Next's
   * action id (the `Next-Action` header)
   */
  name?: string | undefined;
}

/**
 * Wraps a server action: an isolation scope per call, the user from
 * `getUser(request)` — with a request rebuilt from the action's headers and
 * cookies — a transaction named after the action, and capture, once, of what it throws.
 *
 * @example
 * export const pay = withServerAction(async function pay(form: FormData) { … });
 */
export function withServerAction<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
  options: ServerActionOptions = {},
): (...args: A) => Promise<R> {
  const { name, ...adapterOptions } = options;
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
    const actionName = name || action.name || incoming.get('next-action') || 'unknown';
    return runForRequest(request, adapterOptions, 'nextjs.server_action', () => action(...args), {
      transaction: `serverAction/${actionName}`,
    });
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
