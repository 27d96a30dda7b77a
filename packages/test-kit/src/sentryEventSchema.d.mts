/** The JSON Schema (draft-07) of a Sentry event as stored after Relay's normalization. */
export declare const sentryEventSchema: Record<string, unknown>;
