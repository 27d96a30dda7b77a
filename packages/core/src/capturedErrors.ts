const CAPTURED_KEY = Symbol.for('@x/core.captured');
// Also set on the error itself: Next's Edge runtime runs route code in a sandbox with its own
// `globalThis`, and hands the same error object to `onRequestError` in another realm. The
// registered symbol is the same in every realm of the process; a WeakSet is not.
const MARK = Symbol.for('@x/core.captured.mark');

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
  if (wasCaptured(error)) return false;
  try {
    Object.defineProperty(error, MARK, { value: true, enumerable: false, configurable: true });
    if (hasMark(error)) return true;
  } catch {
    // A frozen error or a revoked Proxy: the WeakSet remembers it instead.
  }
  // Only errors that cannot carry the mark: a WeakSet entry costs every garbage collection.
  try {
    capturedSet().add(error);
  } catch {
    // Not an object a WeakSet takes: nothing more to do.
  }
  return true;
}

function hasMark(error: object): boolean {
  try {
    return (error as { [MARK]?: unknown })[MARK] === true;
  } catch {
    return false;
  }
}

/** `true` when {@link markCaptured} saw this error before. */
export function wasCaptured(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return hasMark(error) || capturedSet().has(error);
  } catch {
    return false;
  }
}
