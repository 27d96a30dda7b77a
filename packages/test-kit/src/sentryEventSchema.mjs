// Sentry's stored-event JSON Schema, vendored with its licence in ../reference
// (see reference/README.md for its source and the one change made to it).
import { readFileSync } from 'node:fs';

/** The JSON Schema (draft-07) of a Sentry event as stored after Relay's normalization. */
export const sentryEventSchema = JSON.parse(
  readFileSync(new URL('../reference/sentry-event.schema.json', import.meta.url), 'utf8'),
);
