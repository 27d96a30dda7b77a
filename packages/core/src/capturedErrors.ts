const CAPTURED_KEY = Symbol.for('@x/core.captured');

function capturedSet(): WeakSet<object> {
  const holder = globalThis as typeof globalThis & { [CAPTURED_KEY]?: WeakSet<object> };
  holder[CAPTURED_KEY] ??= new WeakSet();
  return holder[CAPTURED_KEY];
}

/**
 * Marks an error as captured; returns `false` if it was already. Adapters call
 * it so that an error seen by several layers (a middleware and an outer one,
 * a route wrapper and Next's `onRequestError`, an interceptor and a filter) is
 * sent once. The set hangs on `globalThis`: bundlers may load the same adapter
 * more than once (Next bundles `instrumentation.ts` and each route apart).
 * Primitives cannot be marked and always return `true`.
 */
export function markCaptured(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  try {
    const set = capturedSet();
    if (set.has(error)) return false;
    set.add(error);
  } catch {
    // A revoked Proxy cannot be a WeakSet key check target: treat as new.
  }
  return true;
}

/** `true` when {@link markCaptured} saw this error before. */
export function wasCaptured(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return capturedSet().has(error);
  } catch {
    return false;
  }
}
