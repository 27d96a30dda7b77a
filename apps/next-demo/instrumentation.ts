import { registerX } from '@x/next';
import { getUser } from './lib/user';

export { onRequestError } from '@x/next';

/** Runs once per runtime (Node and Edge). */
export function register(): void {
  const trustExtraProxy = ['1', 'true', 'yes'].includes(
    (process.env.TRUST_PROXY ?? '').toLowerCase(),
  );
  registerX({
    dsn: process.env.X_DSN ?? 'http://xinboxdevkey@127.0.0.1:8969/1',
    sendDefaultPii: (process.env.X_SEND_DEFAULT_PII ?? 'true') !== 'false',
    release: 'next-demo@0.1.0',
    serverName: 'next-demo',
    environment: 'development',
    getUser,
    // With a key, users are sent as pseudonyms (px_…); `subscription` is the one custom key kept.
    pseudonymizeUsers: process.env.X_PSEUDONYMIZE_KEY
      ? { key: process.env.X_PSEUDONYMIZE_KEY, allow: ['subscription'] }
      : undefined,
    // server.mjs is one trusted hop; TRUST_PROXY=1 trusts one more in front of it.
    trustProxy: trustExtraProxy ? 2 : 1,
  });
}
