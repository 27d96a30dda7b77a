// The scope programs of sentryParity.test.ts: what they are, how fast-check generates them, how
// one runs through an SDK (a Driver), how one is printed, and how the users are compared.
import fc from 'fast-check';
import { parseIp } from '../src/ip';

/** A user as given to `setUser`: numbers and custom keys included. */
export type UserInput = Record<string, unknown>;
/** What a `setUser` call receives: a user, `null` (clear) or `undefined` (clear, in both SDKs). */
export type UserArg = UserInput | null | undefined;

/**
 * Which scope a `setUser` goes to: the global scope, top-level `setUser` (the isolation scope in
 * both SDKs), `getIsolationScope()`, `getCurrentScope()`, or the scope the innermost
 * `withScope` / `withIsolationScope` callback received.
 */
export type Target = 'global' | 'setUser' | 'isolation' | 'current' | 'callback';

export type Op =
  | { op: 'setUser'; target: Target; user: UserArg }
  | { op: 'capture'; kind: 'message' | 'exception'; marker: number }
  | { op: 'withScope'; body: Op[] }
  | { op: 'withIsolationScope'; body: Op[] }
  | { op: 'tick'; kind: 'microtask' | 'macrotask' }
  | { op: 'parallel'; branches: Op[][] };

/** One SDK, seen through the calls a program makes. */
export interface Driver {
  name: string;
  setGlobalUser(user: UserArg): void;
  setUser(user: UserArg): void;
  setIsolationUser(user: UserArg): void;
  setCurrentUser(user: UserArg): void;
  withScope<T>(callback: (setScopeUser: (user: UserArg) => void) => Promise<T>): Promise<T>;
  withIsolationScope<T>(
    callback: (setScopeUser: (user: UserArg) => void) => Promise<T>,
  ): Promise<T>;
  captureMessage(message: string): string;
  captureException(error: Error): string;
  flush(): Promise<boolean>;
  resetGlobal(): void;
}

/**
 * Runs a program; returns the event id of each capture, by marker. The caller wraps it in the
 * SDK's `withIsolationScope` and passes that callback's `setUser`.
 */
export async function runProgram(
  driver: Driver,
  ops: readonly Op[],
  setCallbackUser: (user: UserArg) => void,
  ids: Map<number, string> = new Map(),
): Promise<Map<number, string>> {
  for (const op of ops) {
    switch (op.op) {
      case 'setUser': {
        // Each SDK gets its own copy: Sentry keeps the object it is given.
        const user = op.user ? structuredClone(op.user) : op.user;
        if (op.target === 'global') driver.setGlobalUser(user);
        else if (op.target === 'setUser') driver.setUser(user);
        else if (op.target === 'isolation') driver.setIsolationUser(user);
        else if (op.target === 'current') driver.setCurrentUser(user);
        else setCallbackUser(user);
        break;
      }
      case 'capture': {
        const text = `capture #${op.marker}`;
        const id =
          op.kind === 'message'
            ? driver.captureMessage(text)
            : driver.captureException(new Error(text));
        ids.set(op.marker, id);
        break;
      }
      case 'withScope':
        await driver.withScope((set) => runProgram(driver, op.body, set, ids));
        break;
      case 'withIsolationScope':
        await driver.withIsolationScope((set) => runProgram(driver, op.body, set, ids));
        break;
      case 'tick':
        await (op.kind === 'microtask'
          ? Promise.resolve()
          : new Promise((resolve) => setImmediate(resolve)));
        break;
      case 'parallel':
        await Promise.all(
          op.branches.map((branch) => runProgram(driver, branch, setCallbackUser, ids)),
        );
        break;
    }
  }
  return ids;
}

/** The program as code (SDK-neutral: the same calls exist in @sentry/node and @x). */
export function renderProgram(ops: readonly Op[]): string {
  return ['await withIsolationScope(async (scope) => {', ...renderOps(ops, '  '), '});'].join('\n');
}

function renderOps(ops: readonly Op[], indent: string): string[] {
  return ops.flatMap((op) => renderOp(op, indent));
}

function renderOp(op: Op, indent: string): string[] {
  switch (op.op) {
    case 'setUser': {
      const receiver = {
        global: 'getGlobalScope().',
        setUser: '',
        isolation: 'getIsolationScope().',
        current: 'getCurrentScope().',
        callback: 'scope.',
      }[op.target];
      return [`${indent}${receiver}setUser(${fc.stringify(op.user)});`];
    }
    case 'capture':
      return [
        op.kind === 'message'
          ? `${indent}captureMessage('capture #${op.marker}');`
          : `${indent}captureException(new Error('capture #${op.marker}'));`,
      ];
    case 'withScope':
    case 'withIsolationScope':
      return [
        `${indent}await ${op.op}(async (scope) => {`,
        ...renderOps(op.body, `${indent}  `),
        `${indent}});`,
      ];
    case 'tick':
      return [
        op.kind === 'microtask'
          ? `${indent}await Promise.resolve();`
          : `${indent}await new Promise(setImmediate);`,
      ];
    case 'parallel':
      return [
        `${indent}await Promise.all([`,
        ...op.branches.flatMap((branch) => [
          `${indent}  (async () => {`,
          ...renderOps(branch, `${indent}    `),
          `${indent}  })(),`,
        ]),
        `${indent}]);`,
      ];
  }
}

/**
 * A user as compared: numbers as strings (`{ id: 7 }` from Sentry is `"7"` from @x), `null` and
 * `undefined` values left out (Sentry sends `ip_address: null`, @x omits it: both mean "no IP"),
 * keys sorted; a user with nothing left is `undefined`, as is an absent one.
 */
export function canonicalUser(user: unknown): Record<string, unknown> | undefined {
  const value = canonical(user);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map((item) => canonical(item) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonical((value as Record<string, unknown>)[key]);
      if (item !== undefined) out[key] = item;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}

// --- Generation ------------------------------------------------------------------------------
// Only values both SDKs take as they are: @x drops (on purpose, documented) blank strings,
// invalid IPs, over-long id/username (> 128) and email (> 75), unknown geo keys, and rewrites
// IPv6 text to RFC 5952 and country codes to upper case. Those are not parity questions.

const nonBlank = (maxLength: number) =>
  fc.string({ minLength: 1, maxLength }).filter((s) => s.trim() !== '');

const identifier = fc.oneof(
  fc.constantFrom('alice', 'bob', 'u-1', '42'),
  nonBlank(16),
  fc.integer({ min: -1000, max: 1_000_000_000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);

const email = fc.oneof(
  fc.constantFrom('alice@example.com', 'bob@example.org'),
  fc.emailAddress().filter((e) => e.length <= 75),
);

const ipAddress = fc.oneof(
  { weight: 3, arbitrary: fc.ipV4() },
  { weight: 2, arbitrary: fc.ipV6().map((ip) => parseIp(ip) ?? '::1') },
  { weight: 1, arbitrary: fc.constant(null) },
);

const geo = fc
  .record(
    {
      city: nonBlank(12),
      country_code: fc.stringMatching(/^[A-Z]{2}$/),
      region: nonBlank(12),
      subdivision: nonBlank(12),
    },
    { requiredKeys: [], noNullPrototype: true },
  )
  .filter((g) => Object.keys(g).length > 0);

const customValue = fc.oneof(
  nonBlank(12),
  fc.integer(),
  fc.boolean(),
  fc.array(nonBlank(6), { maxLength: 3 }),
  fc.record(
    { level: fc.integer({ min: 0, max: 9 }), name: nonBlank(6) },
    { noNullPrototype: true },
  ),
);

export const user: fc.Arbitrary<UserInput> = fc.record(
  {
    id: identifier,
    username: identifier,
    email,
    ip_address: ipAddress,
    geo,
    plan: customValue,
    tier: customValue,
    // Keys are case-sensitive: `Email` is custom data in both SDKs.
    Email: customValue,
  },
  { requiredKeys: [], noNullPrototype: true },
);

const userArg: fc.Arbitrary<UserArg> = fc.oneof(
  { weight: 6, arbitrary: user },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const setUserOp: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('setUser' as const),
  target: fc.constantFrom<Target>('global', 'setUser', 'isolation', 'current', 'callback'),
  user: userArg,
});

const captureOp: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('capture' as const),
  kind: fc.constantFrom('message' as const, 'exception' as const),
  marker: fc.constant(-1),
});

const tickOp: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('tick' as const),
  kind: fc.constantFrom('microtask' as const, 'macrotask' as const),
});

const tree = fc.letrec<{ op: Op; ops: Op[] }>((tie) => ({
  op: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'scopes' },
    { weight: 6, arbitrary: setUserOp },
    { weight: 4, arbitrary: captureOp },
    { weight: 1, arbitrary: tickOp },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('withScope' as const), body: tie('ops') }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('withIsolationScope' as const), body: tie('ops') }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('parallel' as const),
        branches: fc.array(tie('ops'), { minLength: 2, maxLength: 2 }),
      }),
    },
  ),
  ops: fc.array(tie('op'), { maxLength: 4, depthIdentifier: 'scopes' }),
}));

/** Numbers the captures in program order (the markers events are matched by). */
function numberCaptures(ops: readonly Op[], next = { value: 0 }): Op[] {
  return ops.map((op): Op => {
    switch (op.op) {
      case 'capture':
        return { ...op, marker: next.value++ };
      case 'withScope':
      case 'withIsolationScope':
        return { ...op, body: numberCaptures(op.body, next) };
      case 'parallel':
        return { ...op, branches: op.branches.map((branch) => numberCaptures(branch, next)) };
      default:
        return op;
    }
  });
}

/** A handful of operations at the top level, ending with a capture. */
export const program: fc.Arbitrary<Op[]> = fc
  .tuple(fc.array(tree.op, { minLength: 1, maxLength: 6 }), captureOp)
  .map(([ops, last]) => numberCaptures([...ops, last]));
