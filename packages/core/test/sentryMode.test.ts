// Sentry mode against the real @sentry/node 11, in this process: Sentry captures and builds every
// event (an in-memory transport receives them); @x is never `init`ed. A unit of work is what an
// adapter opens per request — Sentry's http integration forks its isolation scope and records
// the request, @x's `runRequest` opens the unit and `withSentryMode` ties the two.
import * as Sentry from '@sentry/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCarrier } from '../src/carrier';
import { runRequest, runRequestCapturing } from '../src/internal';
import { getClient, getEventUser, setUser, type User } from '../src/node';
import { withSentryMode, xUserIntegration } from '../src/sentry';
import { findSentryCarrier, sentryHasUser } from '../src/sentry/sentryScopes';
import type { SentryClientLike, SentryEventLike } from '../src/sentry/types';

type SentEvent = Sentry.ErrorEvent & { user?: Record<string, unknown> };
const sent: SentEvent[] = [];

function initSentry(options: Sentry.NodeOptions = {}): void {
  Sentry.init({
    dsn: 'http://key@127.0.0.1:9/1',
    defaultIntegrations: false,
    enableRuntimeChannelInjection: false,
    sendClientReports: false,
    transport: () => ({
      send: async (envelope) => {
        for (const [header, payload] of envelope[1]) {
          if (header.type === 'event') sent.push(payload as SentEvent);
        }
        return {};
      },
      flush: async () => true,
    }),
    integrations: [Sentry.requestDataIntegration(), xUserIntegration()],
    ...options,
  });
}
/** Sentry.init again with other options (the active client closed first, as Sentry asks). */
async function reinit(options: Sentry.NodeOptions): Promise<void> {
  await Sentry.close(2000);
  initSentry(options);
}

beforeEach(() => {
  sent.length = 0;
  initSentry();
});
afterEach(() => Sentry.close(2000));

async function eventOf(id: string): Promise<SentEvent> {
  expect(await Sentry.flush(5000)).toBe(true);
  const event = sent.find((e) => e.event_id === id);
  if (!event) throw new Error(`no event ${id}`);
  return event;
}

interface Request {
  user?: User | null | (() => Promise<User | null>);
  /** What the framework says the client IP is (Koa's ctx.ip). */
  ip?: string;
  headers?: Record<string, string>;
}

/** One request: Sentry's isolation scope as its http integration forks it, then @x's unit. */
function request<T>(req: Request, body: () => Promise<T>): Promise<T> {
  return Sentry.withIsolationScope((isolationScope) => {
    isolationScope.setSDKProcessingMetadata({
      normalizedRequest: { method: 'GET', url: 'http://app.test/', headers: req.headers ?? {} },
      ipAddress: '10.9.9.9',
    });
    const { user } = req;
    const getUser = typeof user === 'function' ? user : () => user;
    const clientIp = () => req.ip;
    return runRequest({ method: 'GET', url: 'http://app.test/', getUser, clientIp }, () =>
      withSentryMode(body)(),
    ) as Promise<T>;
  });
}

/** The users of a burst's requests, request `i` being `BURST_USERS[i % 3]`. */
const BURST_USERS = ['u-a', 'u-b', 'u-c'];

/** A pause of up to 4 ms, so that a burst's requests overlap in every order. */
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));

/** The async login of a burst's request `i`: `BURST_USERS[i % 3]`, named `req-<i>`. */
function burstUser(i: number): () => Promise<{ id: string; username: string }> {
  return async () => {
    await pause();
    return { id: BURST_USERS[i % 3] as string, username: `req-${i}` };
  };
}

/**
 * Whose user each event of a burst carries: request `i` was `users[i % 3]`, `req-<i>`, and
 * `ids[i]` is its event.
 */
async function tally(ids: string[], users: string[]) {
  expect(await Sentry.flush(10_000)).toBe(true);
  const byId = new Map(sent.map((event) => [event.event_id, event]));
  const outcome = { own: 0, foreign: 0, none: 0, lost: 0 };
  ids.forEach((eventId, i) => {
    const event = byId.get(eventId);
    if (!event) outcome.lost++;
    else if (!event.user) outcome.none++;
    else if (event.user.id === users[i % 3] && event.user.username === `req-${i}`) outcome.own++;
    else outcome.foreign++;
  });
  return outcome;
}

const ada = { id: 'u-ada', username: 'ada', email: 'ada@example.com', geo: { country_code: 'GB' } };

describe('Sentry mode: whose user an event carries', () => {
  it('the unit’s, with email, IP and geo under v11’s default userInfo, resolved when the event is built', async () => {
    let calls = 0;
    const id = await request(
      {
        user: async () => {
          calls++;
          return ada;
        },
        ip: '198.51.100.7',
      },
      async () => {
        expect(calls).toBe(0);
        return Sentry.captureException(new Error('boom'));
      },
    );
    const event = await eventOf(id);
    expect(event.user).toEqual({ ...ada, ip_address: '198.51.100.7' });
    expect(calls).toBe(1);
    expect(event.sdk?.name).toBe('sentry.javascript.node');
    expect(getClient()).toBeUndefined();
  });

  it.each([
    ['isolation scope', () => Sentry.setUser({ id: 'set-by-app' })],
    ['current scope', () => Sentry.getCurrentScope().setUser({ id: 'set-by-app' })],
    ['global scope', () => Sentry.getGlobalScope().setUser({ id: 'set-by-app' })],
  ])('a Sentry.setUser on the %s wins whole', async (_, setUser) => {
    const id = await request({ user: ada, ip: '198.51.100.7' }, async () => {
      setUser();
      return Sentry.captureException(new Error('explicit'));
    });
    Sentry.getGlobalScope().setUser({});
    // Sentry's own user, with the IP Sentry's requestData inferred (10.9.9.9): nothing of @x's.
    expect((await eventOf(id)).user).toEqual({ id: 'set-by-app', ip_address: '10.9.9.9' });
  });

  it('Sentry.setUser(null) and a user given with the capture win too', async () => {
    const ids = await request({ user: ada, ip: '198.51.100.7' }, async () => [
      Sentry.withScope((scope) => {
        scope.setUser(null);
        return Sentry.captureException(new Error('cleared'));
      }),
      Sentry.captureException(new Error('with context'), { user: { id: 'given' } }),
      Sentry.captureEvent({ message: 'own user', user: { username: 'given' } }),
    ]);
    const users = await Promise.all(ids.map(async (id) => (await eventOf(id)).user));
    expect(users).toEqual([
      { ip_address: '10.9.9.9' },
      { id: 'given', ip_address: '10.9.9.9' },
      { username: 'given', ip_address: '10.9.9.9' },
    ]);
  });

  it('Sentry’s inferred IP stays only where @x has none; no login gives no user from @x', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.66' };
    const ids = await request({ user: { id: 'u-1' }, headers }, async () => [
      Sentry.captureMessage('no framework IP'),
    ]);
    ids.push(
      await request({ user: null, ip: '198.51.100.7', headers }, async () =>
        Sentry.captureMessage('anonymous'),
      ),
      await request({ user: null, headers }, async () => Sentry.captureMessage('nothing')),
    );
    const users = await Promise.all(ids.map(async (id) => (await eventOf(id)).user));
    expect(users).toEqual([
      { id: 'u-1', ip_address: '203.0.113.66' },
      { ip_address: '198.51.100.7' },
      { ip_address: '203.0.113.66' },
    ]);
  });

  it('with userInfo: false, only id, username and custom data: no email, IP or geo', async () => {
    await Sentry.close(2000);
    await reinit({ dataCollection: { userInfo: false } });
    const id = await request({ user: { ...ada, plan: 'pro' }, ip: '198.51.100.7' }, async () =>
      Sentry.captureException(new Error('private')),
    );
    expect((await eventOf(id)).user).toEqual({ id: 'u-ada', username: 'ada', plan: 'pro' });
  });

  it('pseudonymizes the user @x supplies, never one the app set through Sentry', async () => {
    await reinit({
      integrations: [
        Sentry.requestDataIntegration(),
        xUserIntegration({ pseudonymizeUsers: { key: 'k'.repeat(32), allow: ['plan'] } }),
      ],
    });
    const ids = await request(
      { user: { ...ada, plan: 'pro', team: 'x' }, ip: '198.51.100.7' },
      async () => [
        Sentry.captureMessage('pseudonymous'),
        Sentry.withScope((scope) => {
          scope.setUser({ id: 'raw' });
          return Sentry.captureMessage('the app’s own');
        }),
      ],
    );
    const [pseudonymous, own] = await Promise.all(ids.map(async (id) => (await eventOf(id)).user));
    expect(pseudonymous).toMatchObject({ plan: 'pro', ip_address: '198.51.100.7', geo: ada.geo });
    for (const field of ['id', 'username', 'email']) {
      expect(pseudonymous?.[field]).toMatch(/^px_[0-9a-f]{32}$/);
    }
    expect(pseudonymous).not.toHaveProperty('team');
    expect(own).toEqual({ id: 'raw', ip_address: '10.9.9.9' });
    expect(() => xUserIntegration({ pseudonymizeUsers: { key: 'short' } })).toThrow(/16\+ bytes/);
  });

  it('v10’s shape: sendDefaultPii decides (no getDataCollectionOptions)', async () => {
    const integration = xUserIntegration();
    const v10 = (sendDefaultPii: boolean): SentryClientLike => ({
      getOptions: () => ({ sendDefaultPii }),
    });
    const [strict, pii] = [v10(false), v10(true)];
    const users = await request({ user: ada, ip: '198.51.100.7' }, async () =>
      Promise.all(
        [strict, pii].map(async (client) => {
          integration.setup(client);
          return (await integration.processEvent({ user: undefined }, {}, client)).user;
        }),
      ),
    );
    expect(users).toEqual([
      { id: 'u-ada', username: 'ada' },
      { ...ada, ip_address: '198.51.100.7' },
    ]);
  });
});

describe('Sentry mode: which request an event belongs to', () => {
  it('1,000 overlapping requests of 3 users: every event its own request’s user', async () => {
    // Sentry holds at most 64 events in flight by default and drops the rest of a burst.
    await reinit({ transportOptions: { bufferSize: 5000 } });
    const ids = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        return request({ user: burstUser(i) }, async () => {
          await pause();
          // Half captured in a forked Sentry scope, as Sentry's own instrumentation does.
          return i % 2
            ? Sentry.captureMessage(`req-${i}`)
            : Sentry.withScope(() => Sentry.captureMessage(`req-${i}`));
        });
      }),
    );
    const outcome = await tally(ids, BURST_USERS);
    expect(outcome).toEqual({ own: 1000, foreign: 0, none: 0, lost: 0 });
    expect(sent).toHaveLength(1000);
  });

  it('an error captured after it escaped the request (outside its async context) still finds it', async () => {
    const errors: Error[] = [];
    // Sentry's isolation scope of this request and the escaped error: both lead to the unit.
    await request({ user: { id: 'u-escaped' } }, async () => {
      const error = new Error('escaped');
      errors.push(error);
      throw error;
    }).catch(() => undefined);
    // No Sentry request scope at all (Sentry without its http integration): the error does.
    await Promise.resolve(
      runRequest({ getUser: () => ({ id: 'u-bare' }) }, () =>
        withSentryMode(async () => {
          const error = new Error('bare');
          errors.push(error);
          throw error;
        })(),
      ),
    ).catch(() => undefined);
    const ids = errors.map((error) => Sentry.captureException(error));
    const users = await Promise.all(ids.map(async (id) => (await eventOf(id)).user?.id));
    expect(users).toEqual(['u-escaped', 'u-bare']);
  });

  it('through Sentry’s isolation scope of the request; one shared by two requests links to neither', async () => {
    const unit = (id: string) =>
      runRequest({ getUser: () => ({ id }) }, () => withSentryMode(async () => {})());
    // Captured in Sentry's request scope, after @x's unit (outside its async context).
    const linked = await Sentry.withIsolationScope(async () => {
      await unit('u-linked');
      return Sentry.captureMessage('after the unit');
    });
    const shared = await Sentry.withIsolationScope(async () => {
      await unit('u-first');
      await unit('u-second');
      return Sentry.captureMessage('after two units');
    });
    const users = await Promise.all([linked, shared].map(async (id) => (await eventOf(id)).user));
    expect(users).toEqual([{ id: 'u-linked' }, undefined]);
  });

  it('an event of no request gets no user from @x', async () => {
    const id = Sentry.captureMessage('at start-up');
    expect((await eventOf(id)).user).toBeUndefined();
  });
});

/**
 * One request as an adapter on `runRequestCapturing` runs it (Koa): in Sentry's request scope and
 * without tracing, the request runs linked to that scope, with no @x scope of its own.
 */
function linkedRequest<T>(req: Request, body: () => Promise<T>): Promise<T> {
  return Sentry.withIsolationScope(() => {
    const { user } = req;
    const getUser = typeof user === 'function' ? user : () => user;
    return runRequestCapturing(
      { method: 'GET', url: 'http://app.test/', getUser, clientIp: () => req.ip },
      { mechanism: 'test' },
      withSentryMode(body),
    );
  });
}

describe('Sentry mode: a request linked to Sentry’s request scope (no @x scope of its own)', () => {
  it('is how runRequestCapturing runs a request in Sentry’s request scope, not outside one', async () => {
    const runLinked = getCarrier().runLinkedUnit;
    expect(runLinked).toBeTypeOf('function');
    const ran: string[] = [];
    const inRequest = Sentry.withIsolationScope(() =>
      runLinked?.({ getUser: () => ({ id: 'u-1' }) }, () => ran.push('in a request')),
    );
    expect(inRequest).toBeInstanceOf(Promise);
    // Outside Sentry's request scopes: nothing run, the full path is taken.
    expect(runLinked?.({}, () => ran.push('outside'))).toBeUndefined();
    expect(ran).toEqual(['in a request']);
  });

  it('300 overlapping requests of 3 users: each event its own request’s user — in the request, in a fork of Sentry’s scope, after it escaped', async () => {
    await reinit({ transportOptions: { bufferSize: 5000 } });
    const ids = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const outcome = linkedRequest({ user: burstUser(i) }, async () => {
          await pause();
          if (i % 3 === 0) return Sentry.captureMessage(`req-${i}`);
          if (i % 3 === 1)
            return Sentry.withIsolationScope(() => Sentry.captureMessage(`req-${i}`));
          throw new Error(`req-${i}`);
        });
        // Koa's error event: captured after the body rejected, in the request's async context.
        return outcome.catch((error: unknown) => Sentry.captureException(error));
      }),
    );
    const outcome = await tally(ids, BURST_USERS);
    expect(outcome).toEqual({ own: 300, foreign: 0, none: 0, lost: 0 });
  });

  it('a Sentry scope without the metadata field Sentry 10 and 11 keep: linked through setSDKProcessingMetadata', async () => {
    const id = await Sentry.withIsolationScope((scope) => {
      (scope as unknown as { _sdkProcessingMetadata?: unknown })._sdkProcessingMetadata = undefined;
      return runRequestCapturing(
        { getUser: () => ({ id: 'u-fallback' }) },
        { mechanism: 'test' },
        withSentryMode(async () => Sentry.captureMessage('no metadata field')),
      );
    });
    expect((await eventOf(id)).user).toEqual({ id: 'u-fallback' });
  });

  it('a request described by a function is described only when an event asks for its unit', async () => {
    const described: string[] = [];
    const describe = (path: string) => () => {
      described.push(path);
      return { method: 'GET', url: `http://app.test${path}`, getUser: () => ({ id: 'u-late' }) };
    };
    const run = (path: string, body: () => Promise<string | undefined>) =>
      Sentry.withIsolationScope(() =>
        runRequestCapturing(describe(path), { mechanism: 'test' }, withSentryMode(body)),
      );
    await run('/quiet', async () => undefined);
    const id = await run('/loud', async () => Sentry.captureMessage('described late'));
    expect(described).toEqual(['/loud']);
    expect((await eventOf(id ?? '')).user).toEqual({ id: 'u-late' });
  });

  it('@x’s setUser and getEventUser() inside work on the request’s own scopes', async () => {
    const [setHere, plain] = await Promise.all([
      linkedRequest({ user: { id: 'u-login' } }, async () => {
        setUser({ id: 'u-set-by-x' });
        const seen = await getEventUser();
        return [Sentry.captureMessage('set'), seen] as const;
      }),
      linkedRequest({ user: { id: 'u-other' } }, async () => {
        const seen = await getEventUser();
        return [Sentry.captureMessage('plain'), seen] as const;
      }),
    ]);
    expect(setHere[1]).toEqual({ id: 'u-set-by-x' });
    expect(plain[1]).toEqual({ id: 'u-other' });
    expect((await eventOf(setHere[0])).user).toEqual({ id: 'u-set-by-x' });
    expect((await eventOf(plain[0])).user).toEqual({ id: 'u-other' });
  });
});

describe('Sentry mode: never in the way', () => {
  it('a resolver that hangs or throws: the event goes on without @x’s user, in time', async () => {
    await reinit({ integrations: [xUserIntegration({ userResolverTimeoutMs: 50 })] });
    const started = Date.now();
    const ids = [
      await request({ user: () => new Promise<never>(() => {}) }, async () =>
        Sentry.captureMessage('hangs'),
      ),
      await request(
        {
          user: () => {
            throw new Error('resolver broke');
          },
        },
        async () => Sentry.captureMessage('throws'),
      ),
    ];
    const events = await Promise.all(ids.map(eventOf));
    expect(events.map((e) => e.user)).toEqual([undefined, undefined]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('anything failing inside the processor leaves the event as it came', async () => {
    const integration = xUserIntegration();
    const client = Sentry.getClient() as unknown as SentryClientLike;
    const hostile = {
      get user(): never {
        throw new Error('hostile event');
      },
    } as SentryEventLike;
    await request({ user: ada }, async () => {
      expect(await integration.processEvent(hostile, {}, client)).toBe(hostile);
      const broken = { getOptions: () => ({}), getDataCollectionOptions: () => null as never };
      const event = { user: { ip_address: '10.0.0.1' } };
      const out = await integration.processEvent(event, {}, broken as SentryClientLike);
      expect(out).toBe(event);
    });
  });
});

describe('Sentry mode: the same copy of Sentry as the app', () => {
  it('reads the __SENTRY__ entry that holds the client, whatever version the client reports', async () => {
    const registry = (globalThis as unknown as { __SENTRY__: Record<string, unknown> }).__SENTRY__;
    const client = Sentry.getClient() as unknown as SentryClientLike;
    // A second core of another version in the process: its scopes hold a user, not this client.
    const other = { getUser: () => ({ id: 'other copy' }), getClient: () => undefined };
    registry['9.99.0'] = {
      acs: { getCurrentScope: () => other, getIsolationScope: () => other },
      globalScope: other,
    };
    const reported = client.getSdkMetadata?.bind(client);
    client.getSdkMetadata = () => ({ sdk: { version: '9.99.0' } });
    try {
      const found = findSentryCarrier(client);
      expect(found).toBe(registry['11.12.0']);
      expect(sentryHasUser(found)).toBe(false);
      expect(findSentryCarrier({ getOptions: () => ({}) })).toBeUndefined();
      const id = await request({ user: { id: 'u-x' } }, async () => Sentry.captureMessage('m'));
      expect((await eventOf(id)).user).toEqual({ id: 'u-x', ip_address: '10.9.9.9' });
    } finally {
      if (reported) client.getSdkMetadata = reported;
      delete registry['9.99.0'];
    }
  });
});

describe('Sentry mode: getEventUser', () => {
  it('says what @x supplies to Sentry’s events, under Sentry’s userInfo', async () => {
    const seen = await request({ user: ada, ip: '198.51.100.7' }, () => getEventUser());
    expect(seen).toEqual({ ...ada, ip_address: '198.51.100.7' });
    await reinit({ dataCollection: { userInfo: false } });
    const without = await request({ user: ada, ip: '198.51.100.7' }, () => getEventUser());
    expect(without).toEqual({ id: 'u-ada', username: 'ada' });
    expect(getClient()).toBeUndefined();
  });
});
