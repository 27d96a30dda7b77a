/** What a sample app's settings say, in Sentry's terms (`X_DSN`, `X_SEND_DEFAULT_PII`, `X_PSEUDONYMIZE_KEY`). */
export interface SentryModeSettings {
  dsn: string;
  sendDefaultPii: boolean;
  pseudonymizeKey: string | undefined;
}

/** `Sentry.init` options of a sample app in Sentry mode (see sentry.js). */
export function sentryDemoOptions<I extends { name: string }>(settings: {
  app: string;
  dsn: string;
  sendDefaultPii: boolean;
  xUser: I;
}): {
  dsn: string;
  release: string;
  serverName: string;
  environment: string;
  dataCollection: {
    userInfo: boolean;
    cookies: boolean;
    httpHeaders: boolean;
    urlQueryParams: boolean;
  };
  transportOptions: { bufferSize: number };
  /** Sentry's default integrations but Dedupe, then @x's. */
  integrations: <D extends { name: string }>(defaults: D[]) => (D | I)[];
};

/** `xUserIntegration`'s `pseudonymizeUsers` from `X_PSEUDONYMIZE_KEY`; off without a key. */
export function demoPseudonyms(
  key: string | undefined,
): { key: string; allow: string[] } | undefined;
