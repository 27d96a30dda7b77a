import { utf8 } from './envelope';
import type { Event } from './event';

/** Sentry's limit for one event item. */
export const MAX_EVENT_BYTES = 1024 * 1024;
const KEEP_FRAMES = 20;

/**
 * Returns the event's JSON text, at most `maxBytes` in UTF-8, trimming what matters
 * least first — breadcrumbs, then extra, then the middle of long stack traces,
 * then the request body and headers — or `undefined` if it still does not fit.
 */
export function serializeWithinLimit(event: Event, maxBytes = MAX_EVENT_BYTES): string | undefined {
  let json = JSON.stringify(event);
  if (fits(json, maxBytes)) return json;
  const steps: ((e: Event) => Event)[] = [
    ({ breadcrumbs: _b, ...rest }) => rest,
    ({ extra: _e, ...rest }) => rest,
    (e) => ({
      ...e,
      exception: e.exception && {
        values: e.exception.values.map((v) => {
          const frames = v.stacktrace?.frames;
          if (!frames || frames.length <= KEEP_FRAMES) return v;
          const half = KEEP_FRAMES / 2;
          return {
            ...v,
            stacktrace: { frames: [...frames.slice(0, half), ...frames.slice(-half)] },
          };
        }),
      },
    }),
    (e) => ({ ...e, request: e.request && { ...e.request, data: undefined, headers: undefined } }),
    ({ contexts: _c, ...rest }) => rest,
  ];
  let current = event;
  for (const step of steps) {
    current = step(current);
    json = JSON.stringify(current);
    if (fits(json, maxBytes)) return json;
  }
  return undefined;
}

/** Whether `json` is at most `maxBytes` in UTF-8 (a UTF-16 unit takes at most 3 bytes). */
function fits(json: string, maxBytes: number): boolean {
  return json.length * 3 <= maxBytes || utf8(json).length <= maxBytes;
}
