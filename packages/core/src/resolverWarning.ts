import { warnOnce } from './debug';

/**
 * A user resolver (an adapter's `getUser`) that throws loses the user of every event, silently:
 * a misconfiguration, said once per process with `console.warn` even without `debug` — what
 * failed and how to fix it —, never once per request. Server clients only.
 */
export function warnResolverFailed(error: unknown): void {
  warnOnce(
    'user-resolver',
    `the user resolver (the adapter's getUser) threw: ${describeError(error)}. Events are sent without the request's user until it is fixed: make getUser (and what it calls) return the user, or null, instead of throwing. Said once per process.`,
  );
}

function describeError(error: unknown): string {
  try {
    return (error instanceof Error ? error.message || error.name : String(error)).slice(0, 300);
  } catch {
    return 'an unprintable value';
  }
}
