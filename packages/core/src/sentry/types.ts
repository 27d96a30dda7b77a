// The parts of Sentry's JavaScript SDK (v10 and v11) that Sentry mode uses, as structural types:
// `@x/core/sentry` imports nothing from `@sentry/*`, so it works with whichever copy the app runs.

/** The user on a Sentry event or scope. */
export type SentryUserLike = Record<string, unknown>;

/** What Sentry mode reads and writes of a Sentry event. */
export interface SentryEventLike {
  /** `"transaction"` for a transaction; absent for errors and messages. */
  type?: string | undefined;
  user?: SentryUserLike | undefined;
  /** Never sent: Sentry's own scope-to-processor data (where a request's @x scopes travel). */
  sdkProcessingMetadata?: Record<string, unknown> | undefined;
}

/** What Sentry mode reads of an event hint. */
export interface SentryHintLike {
  originalException?: unknown;
}

/** What Sentry mode reads of a Sentry client (`Sentry.getClient()`), in v10 and v11. */
export interface SentryClientLike {
  getOptions(): { sendDefaultPii?: boolean | undefined; debug?: boolean | undefined };
  /** v11: the resolved `dataCollection`; absent in v10, where `sendDefaultPii` decides. */
  getDataCollectionOptions?: () => { userInfo?: boolean | undefined } | undefined;
  /** The SDK's name and version: `{ sdk: { name: 'sentry.javascript.node', version } }`. */
  getSdkMetadata?: () => { sdk?: { version?: string | undefined } | undefined } | undefined;
}

/** What Sentry mode reads of a Sentry scope. */
export interface SentryScopeLike {
  getUser?(): unknown;
  getClient?(): unknown;
  setSDKProcessingMetadata?(data: Record<string, unknown>): unknown;
  getScopeData?(): { sdkProcessingMetadata?: Record<string, unknown> | undefined };
}

/** A Sentry async context strategy (`__SENTRY__[version].acs`). */
export interface SentryAsyncContextLike {
  getCurrentScope(): SentryScopeLike;
  getIsolationScope(): SentryScopeLike;
}

/**
 * One Sentry core's state on `globalThis.__SENTRY__[version]`: its async context strategy, its
 * stack (without a strategy), and its global and default scopes.
 */
export interface SentryVersionCarrier {
  acs?: SentryAsyncContextLike | undefined;
  stack?: { getScope?(): SentryScopeLike; getIsolationScope?(): SentryScopeLike } | undefined;
  globalScope?: SentryScopeLike | undefined;
  defaultCurrentScope?: SentryScopeLike | undefined;
  defaultIsolationScope?: SentryScopeLike | undefined;
}

/**
 * Sentry's integration interface, as `Sentry.init({ integrations })` takes it: `setup` runs
 * once per client at `init`, `processEvent` on every event that client builds (it may return a
 * promise, which Sentry waits for).
 */
export interface SentryIntegrationLike {
  readonly name: string;
  setup(client: SentryClientLike): void;
  processEvent<E extends SentryEventLike>(
    event: E,
    hint: SentryHintLike,
    client: SentryClientLike,
  ): E | Promise<E>;
}
