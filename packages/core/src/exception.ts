import type { ExceptionValue, Mechanism, StackFrame } from './event';
import { parseStackFrames } from './stacktrace';

const MAX_CAUSES = 5;

/**
 * Turns a thrown value into Sentry exception values: the chain of `cause`s
 * oldest first, the thrown error last, each with its stack frames (by `parse`) and
 * a mechanism (the thrown one carries `handled`).
 */
export function exceptionFromError(
  thrown: unknown,
  mechanism: Mechanism,
  parse: (stack: string | undefined) => StackFrame[] = parseStackFrames,
): ExceptionValue[] {
  const chain: unknown[] = [thrown];
  for (
    let current = causeOf(thrown);
    current !== undefined && chain.length <= MAX_CAUSES;
    current = causeOf(current)
  ) {
    if (chain.includes(current)) break;
    chain.push(current);
  }
  const values = chain.map((error, index): ExceptionValue => {
    const value = single(error, parse);
    value.mechanism =
      index === 0
        ? {
            ...mechanism,
            ...(isError(thrown) ? {} : { synthetic: true }),
            ...(chain.length > 1 ? { exception_id: 0 } : {}),
          }
        : {
            type: 'chained',
            source: 'cause',
            handled: mechanism.handled,
            exception_id: index,
            parent_id: index - 1,
          };
    return value;
  });
  return values.reverse();
}

function single(error: unknown, parse: typeof parseStackFrames): ExceptionValue {
  if (isError(error)) {
    const frames = parse(safeGet(() => error.stack));
    return {
      type: safeGet(() => error.name) || safeGet(() => error.constructor?.name) || 'Error',
      value: safeGet(() => String(error.message)) ?? '',
      ...(frames.length > 0 ? { stacktrace: { frames } } : {}),
    };
  }
  return { type: 'Error', value: describeNonError(error) };
}

function describeNonError(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined)
      return `Non-Error thrown: ${json.length > 500 ? `${json.slice(0, 500)}…` : json}`;
  } catch {
    // Fall through to String().
  }
  return `Non-Error thrown: ${safeGet(() => String(value)) ?? typeof value}`;
}

function causeOf(error: unknown): unknown {
  if (!isError(error)) return undefined;
  return safeGet(() => (error as { cause?: unknown }).cause);
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

function safeGet<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
