import type { XModuleOptions } from '@x/nest';

const env = process.env;

/** Where events go (X_DSN): the local inbox unless set. */
export const dsn = env.X_DSN ?? 'http://xinboxdevkey@127.0.0.1:8969/1';
/** Personal data sent (X_SEND_DEFAULT_PII, default on): the user's IP and email, cookies, auth headers. */
export const sendDefaultPii = (env.X_SEND_DEFAULT_PII ?? 'true') !== 'false';

/**
 * The demo's @x settings, shared by the HTTP app and the microservice: the inbox, personal data
 * (X_SEND_DEFAULT_PII, default on), pseudonyms (X_PSEUDONYMIZE_KEY) and the key that signs the
 * user travelling with RPC messages (X_PROPAGATION_KEY; a fixed demo key when unset).
 */
export function xSettings(serverName: string): XModuleOptions {
  return {
    dsn,
    sendDefaultPii,
    release: 'nest-demo@0.1.0',
    serverName,
    environment: 'development',
    // With a key, users are sent as pseudonyms (px_…); `subscription` is the one custom key kept.
    pseudonymizeUsers: env.X_PSEUDONYMIZE_KEY
      ? { key: env.X_PSEUDONYMIZE_KEY, allow: ['subscription'] }
      : undefined,
    propagationKey: env.X_PROPAGATION_KEY ?? 'x-demo-propagation-key-for-development-only',
  };
}
