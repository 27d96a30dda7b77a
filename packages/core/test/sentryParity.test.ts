// Parity with the real @sentry/node: the same sequences of setUser / setUser(null) on the global,
// isolation and current scopes, inside nested withIsolationScope / withScope, run through both
// SDKs into one local HTTP sink; the users on corresponding events must agree field by field.
//
// Both SDKs share this process: @x keeps its state on its own globalThis carrier
// (Symbol.for('@x/core.carrier')), Sentry on `globalThis.__SENTRY__`; each has its own
// AsyncLocalStorage. @sentry/node 11 no longer sets up OpenTelemetry unless
// `enableOpenTelemetrySetup: true` (its default async context is a plain AsyncLocalStorage
// strategy from @sentry/server-utils); v11 also replaced `sendDefaultPii` by
// `dataCollection.userInfo`, which is off here, as `sendDefaultPii` is off in @x.
import * as Sentry from '@sentry/node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as x from '../src/node';
import {
  canonicalUser,
  type Driver,
  type Op,
  program,
  renderProgram,
  runProgram,
  type UserInput,
} from './sentryParity';
import { useSharedSink } from './sink';

const sink = useSharedSink();
const SENTRY_PROJECT = '42';
const X_PROJECT = '43';

const sentryDriver: Driver = {
  name: '@sentry/node',
  setGlobalUser: (user) => Sentry.getGlobalScope().setUser(user as Sentry.User | null),
  setUser: (user) => Sentry.setUser(user as Sentry.User | null),
  setIsolationUser: (user) => Sentry.getIsolationScope().setUser(user as Sentry.User | null),
  setCurrentUser: (user) => Sentry.getCurrentScope().setUser(user as Sentry.User | null),
  withScope: (callback) => Sentry.withScope((scope) => callback((u) => scope.setUser(u as never))),
  withIsolationScope: (callback) =>
    Sentry.withIsolationScope((scope) => callback((u) => scope.setUser(u as never))),
  captureMessage: (message) => Sentry.captureMessage(message),
  captureException: (error) => Sentry.captureException(error),
  flush: () => Sentry.flush(5000),
  // The global scope's initial user in @sentry/core is `{}`.
  resetGlobal: () => Sentry.getGlobalScope().setUser({}),
};

const xDriver: Driver = {
  name: '@x',
  setGlobalUser: (user) => x.getGlobalScope().setUser(user),
  setUser: (user) => x.setUser(user),
  setIsolationUser: (user) => x.getIsolationScope().setUser(user),
  setCurrentUser: (user) => x.getCurrentScope().setUser(user),
  withScope: (callback) => x.withScope((scope) => callback((u) => scope.setUser(u))),
  withIsolationScope: (callback) =>
    x.withIsolationScope((scope) => callback((u) => scope.setUser(u))),
  captureMessage: (message) => x.captureMessage(message),
  captureException: (error) => x.captureException(error),
  flush: () => x.flush(5000),
  resetGlobal: () => {
    x.getGlobalScope().clear();
  },
};

function initSentry(options: Sentry.NodeOptions = {}): void {
  Sentry.init({
    dsn: sink.dsn.replace(/\/42$/, `/${SENTRY_PROJECT}`),
    defaultIntegrations: false,
    // @sentry/node 11's `sendDefaultPii: false`: no user data collected by the SDK itself.
    dataCollection: { userInfo: false },
    sendClientReports: false,
    // No module-loader hooks in the test worker: nothing here is instrumented.
    enableRuntimeChannelInjection: false,
    ...options,
  });
}
beforeAll(() => initSentry());
afterAll(() => Sentry.close(2000));

function initX(): void {
  x.init({ dsn: sink.dsn.replace(/\/42$/, `/${X_PROJECT}`), sendClientReports: false });
}

type SentEvent = Record<string, unknown> & { event_id: string; user?: unknown };

/** The events the sink received from one SDK, by event id. */
function eventsFrom(project: string): Map<string, SentEvent> {
  const byId = new Map<string, SentEvent>();
  for (const received of sink.received) {
    if (!received.url.startsWith(`/api/${project}/`)) continue;
    for (const [header, payload] of received.envelope[1]) {
      if (header.type !== 'event') continue;
      const event = payload as SentEvent;
      byId.set(event.event_id, event);
    }
  }
  return byId;
}

interface Compared {
  marker: number;
  sentry: unknown;
  x: unknown;
}

/**
 * Runs one program through both SDKs (each inside its own isolation scope, the global users
 * reset afterwards), flushes both and returns the users of corresponding events, canonicalized.
 */
async function runBoth(ops: readonly Op[], concurrent = false): Promise<Compared[]> {
  sink.received.length = 0;
  const run = (driver: Driver) =>
    driver
      .withIsolationScope((set) => runProgram(driver, ops, set))
      .finally(() => driver.resetGlobal());
  const [sentryIds, xIds] = concurrent
    ? await Promise.all([run(sentryDriver), run(xDriver)])
    : [await run(sentryDriver), await run(xDriver)];
  expect(await sentryDriver.flush()).toBe(true);
  expect(await xDriver.flush()).toBe(true);
  const sentryEvents = eventsFrom(SENTRY_PROJECT);
  const xEvents = eventsFrom(X_PROJECT);
  const markers = [...new Set([...sentryIds.keys(), ...xIds.keys()])].sort((a, b) => a - b);
  return markers.map((marker) => {
    const sentryEvent = sentryEvents.get(sentryIds.get(marker) ?? '');
    const xEvent = xEvents.get(xIds.get(marker) ?? '');
    if (!sentryEvent || !xEvent) {
      const missing = sentryEvent ? xDriver : sentryDriver;
      throw new Error(`capture #${marker}: no event from ${missing.name} at the sink`);
    }
    return { marker, sentry: canonicalUser(sentryEvent.user), x: canonicalUser(xEvent.user) };
  });
}

/** The users of the program's captures in @sentry/node and @x, asserted equal; returns them. */
async function expectParity(ops: readonly Op[]): Promise<Compared[]> {
  const compared = await runBoth(ops);
  expect(compared.map((c) => c.x)).toEqual(compared.map((c) => c.sentry));
  return compared;
}

const alice: UserInput = { id: 'alice-1', username: 'alice', email: 'alice@example.com' };

describe('parity with @sentry/node: hand-written cases (Sentry docs patterns)', () => {
  it('middleware sets alice, the handler setUser({ email }) → exactly { email }', async () => {
    initX();
    const users = await expectParity([
      { op: 'setUser', target: 'setUser', user: alice },
      { op: 'setUser', target: 'setUser', user: { email: 'handler@example.com' } },
      { op: 'capture', kind: 'exception', marker: 0 },
    ]);
    expect(users[0]?.sentry).toEqual({ email: 'handler@example.com' });
  });

  it('setUser(null) → no user', async () => {
    initX();
    const users = await expectParity([
      { op: 'setUser', target: 'setUser', user: alice },
      { op: 'capture', kind: 'message', marker: 0 },
      { op: 'setUser', target: 'setUser', user: null },
      { op: 'capture', kind: 'message', marker: 1 },
    ]);
    expect(users.map((u) => u.sentry)).toEqual([
      { id: 'alice-1', username: 'alice', email: 'alice@example.com' },
      undefined,
    ]);
  });

  it('a global user under an isolation null: only its custom keys (and geo) are left', async () => {
    initX();
    const users = await expectParity([
      {
        op: 'setUser',
        target: 'global',
        user: {
          id: 'svc-7',
          username: 'worker',
          email: 'ops@example.com',
          ip_address: '192.0.2.7',
          geo: { city: 'Oslo', country_code: 'NO' },
          tenant: 'acme',
        },
      },
      { op: 'capture', kind: 'message', marker: 0 },
      { op: 'setUser', target: 'setUser', user: null },
      { op: 'capture', kind: 'exception', marker: 1 },
    ]);
    expect(users.map((u) => u.sentry)).toEqual([
      {
        id: 'svc-7',
        username: 'worker',
        email: 'ops@example.com',
        ip_address: '192.0.2.7',
        geo: { city: 'Oslo', country_code: 'NO' },
        tenant: 'acme',
      },
      // null blanks id, username, email and ip_address only: geo is no identity, it stays.
      { geo: { city: 'Oslo', country_code: 'NO' }, tenant: 'acme' },
    ]);
  });

  it('a current-scope user inside withScope merges over the isolation user, field by field', async () => {
    initX();
    const users = await expectParity([
      { op: 'setUser', target: 'setUser', user: { ...alice, plan: 'pro' } },
      {
        op: 'withScope',
        body: [
          { op: 'setUser', target: 'callback', user: { username: 'support-agent', id: 42 } },
          { op: 'capture', kind: 'exception', marker: 0 },
        ],
      },
      { op: 'capture', kind: 'message', marker: 1 },
    ]);
    expect(users.map((u) => u.sentry)).toEqual([
      { id: '42', username: 'support-agent', email: 'alice@example.com', plan: 'pro' },
      { id: 'alice-1', username: 'alice', email: 'alice@example.com', plan: 'pro' },
    ]);
  });

  it('a nested withIsolationScope forks the request user; its setUser(null) stays inside', async () => {
    initX();
    const users = await expectParity([
      { op: 'setUser', target: 'global', user: { segment: 'b2b' } },
      { op: 'setUser', target: 'setUser', user: alice },
      {
        op: 'withIsolationScope',
        body: [
          { op: 'capture', kind: 'message', marker: 0 },
          { op: 'tick', kind: 'macrotask' },
          { op: 'setUser', target: 'setUser', user: null },
          { op: 'capture', kind: 'message', marker: 1 },
        ],
      },
      { op: 'capture', kind: 'message', marker: 2 },
    ]);
    expect(users.map((u) => u.sentry)).toEqual([
      { id: 'alice-1', username: 'alice', email: 'alice@example.com', segment: 'b2b' },
      { segment: 'b2b' },
      { id: 'alice-1', username: 'alice', email: 'alice@example.com', segment: 'b2b' },
    ]);
  });
});

describe('parity with @sentry/node: the two SDKs do not interfere', () => {
  it('each keeps its own carrier, scopes and async context, even interleaved', async () => {
    initX();
    expect(Object.getOwnPropertySymbols(globalThis).map(String)).toContain(
      'Symbol(@x/core.carrier)',
    );
    expect((globalThis as { __SENTRY__?: unknown }).__SENTRY__).toBeDefined();
    sink.received.length = 0;
    const ids = await Sentry.withIsolationScope(async () => {
      Sentry.setUser({ id: 'sentry-user' });
      return x.withIsolationScope(async () => {
        x.setUser({ id: 'x-user' });
        await new Promise((resolve) => setTimeout(resolve, 1));
        expect(Sentry.getIsolationScope().getUser()).toEqual({ id: 'sentry-user' });
        expect(x.getUser()).toEqual({ id: 'x-user' });
        return { sentry: Sentry.captureMessage('both'), x: x.captureMessage('both') };
      });
    });
    expect(Sentry.getIsolationScope().getUser()).toEqual({});
    expect(x.getUser()).toBeNull();
    await Sentry.flush(5000);
    await x.flush(5000);
    expect(eventsFrom(SENTRY_PROJECT).get(ids.sentry)?.user).toEqual({ id: 'sentry-user' });
    expect(eventsFrom(X_PROJECT).get(ids.x)?.user).toEqual({ id: 'x-user' });
  });
});

/** Runs generated programs through both SDKs; every event's user must agree. */
async function checkGeneratedSequences(numRuns: number): Promise<void> {
  initX();
  let events = 0;
  let withUser = 0;
  await fc.assert(
    fc.asyncProperty(program, fc.boolean(), async (ops, concurrent) => {
      const compared = await runBoth(ops, concurrent);
      events += compared.length;
      withUser += compared.filter((c) => c.sentry !== undefined).length;
      const mismatches = compared.filter((c) => JSON.stringify(c.sentry) !== JSON.stringify(c.x));
      if (mismatches.length > 0) {
        throw new Error(
          [
            `users differ (the SDKs ran ${concurrent ? 'concurrently' : 'one after the other'}):`,
            renderProgram(ops),
            ...mismatches.map(
              (m) =>
                `capture #${m.marker}: @sentry/node ${JSON.stringify(m.sentry)} / @x ${JSON.stringify(m.x)}`,
            ),
          ].join('\n'),
        );
      }
    }),
    { numRuns: Number(process.env.PARITY_RUNS ?? numRuns) },
  );
  // The sequences exercise something: most events carry a user, some carry none.
  expect(withUser).toBeGreaterThan(events / 3);
  expect(withUser).toBeLessThan(events);
}

describe('parity with @sentry/node: generated sequences', () => {
  it('agrees on the user of every event, field by field (numbers as strings)', async () => {
    await checkGeneratedSequences(150);
  }, 60_000);
});

describe('parity with @sentry/node: keys without a value still overwrite the scopes below', () => {
  // In @sentry/core a higher scope's user is merged key by key: an own key whose value is
  // `undefined`, `null` (or, in @x, a value dropped as invalid) still overwrites the lower
  // scopes' value. @x keeps the keys `setUser` named for exactly this (found by this test).

  it('an explicit undefined field blanks the lower scopes’ value', async () => {
    initX();
    const [users] = await runBoth([
      { op: 'setUser', target: 'global', user: { id: 'worker', email: 'ops@example.com' } },
      // e.g. setUser({ id: account.id, email: account.email }) for an account without email
      { op: 'setUser', target: 'setUser', user: { id: 'u-1', email: undefined } },
      { op: 'capture', kind: 'exception', marker: 0 },
    ]);
    expect(users?.sentry).toEqual({ id: 'u-1' });
    expect(users?.x).toEqual(users?.sentry);
  });

  it('a null field blanks the lower scopes’ value', async () => {
    initX();
    const [users] = await runBoth([
      { op: 'setUser', target: 'global', user: { id: 'worker', plan: 'free' } },
      { op: 'setUser', target: 'setUser', user: { id: 'u-1', plan: null } },
      { op: 'capture', kind: 'message', marker: 0 },
    ]);
    expect(users?.sentry).toEqual({ id: 'u-1' });
    expect(users?.x).toEqual(users?.sentry);
  });

  it('a value @x drops as invalid blanks the lower scopes’ value too (it is not sent)', async () => {
    initX();
    const [users] = await runBoth([
      { op: 'setUser', target: 'global', user: { id: 'g', ip_address: '192.0.2.1' } },
      { op: 'setUser', target: 'setUser', user: { id: 'u-1', ip_address: 'nope' } },
      { op: 'capture', kind: 'message', marker: 0 },
    ]);
    // Sentry sends the invalid value (Relay drops it); @x drops it before sending.
    expect(users?.sentry).toEqual({ id: 'u-1', ip_address: 'nope' });
    expect(users?.x).toEqual({ id: 'u-1' });
  });
});

describe('parity with @sentry/node on OpenTelemetry context (enableOpenTelemetrySetup: true)', () => {
  beforeAll(async () => {
    await Sentry.close(2000);
    initSentry({ enableOpenTelemetrySetup: true });
  });

  it('runs with Sentry’s OpenTelemetry tracer provider and context', () => {
    expect((Sentry.getClient() as { traceProvider?: unknown }).traceProvider).toBeDefined();
  });

  it('agrees on the user of every event, field by field (numbers as strings)', async () => {
    await checkGeneratedSequences(60);
  }, 60_000);
});
