import {
  type NextErrorContext,
  type NextRequestInfo,
  registerX,
  onRequestError as xOnRequestError,
} from '@x/next';
import { getUser } from './lib/user';

type RequestErrorHook = (
  error: unknown,
  request: NextRequestInfo,
  context: NextErrorContext,
) => Promise<void>;

/** Sentry mode's `onRequestError` (Sentry's, with the request's user); unset in @x's own mode. */
let sentryOnRequestError: RequestErrorHook | undefined;

/**
 * Runs once per runtime (Node and Edge). X_WITH_SENTRY=1 is read here, at start-up, so one
 * `next build` serves both modes; the Edge runtime keeps @x's own client in either.
 */
export async function register(): Promise<void> {
  const dsn = process.env.X_DSN ?? 'http://xinboxdevkey@127.0.0.1:8969/1';
  const sendDefaultPii = (process.env.X_SEND_DEFAULT_PII ?? 'true') !== 'false';
  const pseudonymizeKey = process.env.X_PSEUDONYMIZE_KEY || undefined;
  const trustExtraProxy = ['1', 'true', 'yes'].includes(
    (process.env.TRUST_PROXY ?? '').toLowerCase(),
  );
  // server.mjs is one trusted hop; TRUST_PROXY=1 trusts one more in front of it.
  const trustProxy = trustExtraProxy ? 2 : 1;

  // Sentry mode: Sentry's SDK captures and sends, @x supplies the user (lib/sentry.ts).
  if (process.env.NEXT_RUNTIME === 'nodejs' && process.env.X_WITH_SENTRY === '1') {
    const { startSentry } = await import('./lib/sentry');
    sentryOnRequestError = startSentry({ dsn, sendDefaultPii, pseudonymizeKey });
    // After Sentry.init: the adapter options only, @x is not init()ed.
    registerX({ sentry: true, getUser, trustProxy });
    return;
  }

  // @x's own mode: @x captures and sends.
  registerX({
    dsn,
    sendDefaultPii,
    release: 'next-demo@0.1.0',
    serverName: 'next-demo',
    environment: 'development',
    getUser,
    // With a key, users are sent as pseudonyms (px_…); `subscription` is the one custom key kept.
    pseudonymizeUsers: pseudonymizeKey
      ? { key: pseudonymizeKey, allow: ['subscription'] }
      : undefined,
    trustProxy,
  });
}

/** Errors Next reports (server components, unwrapped handlers, …): to Sentry in Sentry mode. */
export async function onRequestError(
  error: unknown,
  request: NextRequestInfo,
  context: NextErrorContext,
): Promise<void> {
  if (!sentryOnRequestError) return xOnRequestError(error, request, context);
  // Next reports an Edge route's error here too, in the Node runtime. @x's client in the Edge
  // runtime has sent it already (with its user): Sentry would send it a second time, without one.
  if (fromEdgeSandbox(error)) return;
  return sentryOnRequestError(error, request, context);
}

/** An error thrown in the Edge runtime's sandbox: an `Error`, but of the sandbox's realm. */
function fromEdgeSandbox(error: unknown): boolean {
  return !(error instanceof Error) && Object.prototype.toString.call(error) === '[object Error]';
}
