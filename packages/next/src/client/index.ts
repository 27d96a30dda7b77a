import {
  type Client,
  type ClientOptions,
  captureException,
  SDK_VERSION,
  setUser,
  type User,
} from '@x/core';
import { initBrowserClient } from '@x/core/internal';
import { Component, createElement, type ErrorInfo, type ReactNode, useEffect } from 'react';

export type { ClientOptions, User } from '@x/core';
export {
  addBreadcrumb,
  captureException,
  captureMessage,
  flush,
  getUser,
  setContext,
  setTag,
  setUser,
} from '@x/core';

let handlersInstalled = false;

/**
 * Errors that came from the server carry Next's `digest`: the server reported
 * them already (with the real message), the browser only sees a placeholder.
 */
function fromServer(error: unknown): boolean {
  try {
    return typeof (error as { digest?: unknown } | null)?.digest === 'string';
  } catch {
    return false;
  }
}

function captureClientError(
  error: unknown,
  type: string,
  handled: boolean,
  data?: Record<string, unknown>,
): void {
  if (fromServer(error)) return;
  captureException(error, { mechanism: { type, handled }, ...(data ? { data } : {}) });
}

/**
 * Starts @x in the browser: events say `platform: "javascript"` and, with
 * `sendDefaultPii`, `infer_ip: "auto"` (the backend takes the connection's
 * IP); without it, `never`. Uncaught errors and unhandled rejections are
 * captured.
 *
 * On the server (no `window`: Next renders client components there too) it does nothing and
 * returns `undefined`, so the server's client from `registerX` stays in place.
 *
 * @example initBrowser({ dsn: process.env.NEXT_PUBLIC_X_DSN, sendDefaultPii: true });
 */
export function initBrowser(options: ClientOptions = {}): Client | undefined {
  if (typeof window === 'undefined') return undefined;
  const client = initBrowserClient({
    sdk: { name: 'x.javascript.nextjs.browser', version: SDK_VERSION },
    ...options,
    platform: 'javascript',
  });
  if (!handlersInstalled) {
    handlersInstalled = true;
    window.addEventListener('error', (event) =>
      captureClientError(event.error ?? event.message, 'onerror', false),
    );
    window.addEventListener('unhandledrejection', (event) =>
      captureClientError(event.reason, 'onunhandledrejection', false),
    );
  }
  return client;
}

/**
 * Sets the signed-in user for client-side events while the component is
 * mounted (and clears it when the user signs out: pass `null`).
 *
 * @example const { data } = useSession(); useUser(data?.user ? { id: data.user.id, email: data.user.email } : null);
 */
export function useUser(user: User | null | undefined): void {
  const key = safeKey(user);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the serialized user is the dependency
  useEffect(() => {
    setUser(user ?? null);
  }, [key]);
}

function safeKey(user: unknown): string {
  try {
    return JSON.stringify(user ?? null);
  } catch {
    return String(Math.random());
  }
}

/** Props of {@link ErrorBoundary}. */
export interface ErrorBoundaryProps {
  /** What to render instead of the broken tree. */
  fallback?: (ReactNode | ((error: unknown, reset: () => void) => ReactNode)) | undefined;
  children?: ReactNode | undefined;
}

/**
 * A React error boundary that captures what its children throw while
 * rendering (with the signed-in user), then renders `fallback`. Errors of
 * server rendering (they carry a `digest`) were reported by the server.
 */
export class ErrorBoundary extends Component<
  ErrorBoundaryProps,
  { error: unknown; failed: boolean }
> {
  override state = { error: undefined as unknown, failed: false };

  static getDerivedStateFromError(error: unknown) {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    captureClientError(error, 'react.error_boundary', true, {
      componentStack: info.componentStack ?? undefined,
    });
  }

  private reset = () => this.setState({ error: undefined, failed: false });

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const { fallback } = this.props;
    if (typeof fallback === 'function') return fallback(this.state.error, this.reset);
    return fallback ?? createElement('p', { role: 'alert' }, 'Something went wrong.');
  }
}
