import Ajv from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sentryEventSchema } from '../../test-kit/src/sentryEventSchema.mjs';
import {
  addBreadcrumb,
  captureEvent,
  captureException,
  captureMessage,
  DsnError,
  flush,
  getClient,
  getCurrentScope,
  init,
  lastEventId,
  parseDsn,
  SDK_VERSION,
  setContext,
  setExtra,
  setTag,
  setUser,
  withIsolationScope,
  withScope,
} from '../src/node';
import { useSharedSink } from './sink';

const sink = useSharedSink();
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Moves custom user keys under `user.data`, as the inbox (and Relay) store them. */
function storeShape(event: Record<string, unknown>): Record<string, unknown> {
  const user = event.user as Record<string, unknown> | undefined;
  if (!user) return event;
  const known = new Set([
    'id',
    'username',
    'email',
    'ip_address',
    'geo',
    'name',
    'data',
    'segment',
    'sentry_user',
  ]);
  const data: Record<string, unknown> = {};
  const stored: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(user)) (known.has(k) ? stored : data)[k] = v;
  if (Object.keys(data).length > 0) stored.data = data;
  return { ...event, user: stored };
}

const validate = new Ajv({
  strict: false,
  allErrors: true,
  logger: false,
  validateFormats: false,
}).compile(sentryEventSchema);

describe('DSN and init', () => {
  it('parses a DSN', () => {
    expect(parseDsn('https://abc:secret@o1.ingest.example.com:8443/sub/path/77')).toEqual({
      protocol: 'https',
      publicKey: 'abc',
      secretKey: 'secret',
      host: 'o1.ingest.example.com',
      port: '8443',
      path: 'sub/path',
      projectId: '77',
    });
  });

  it.each([
    ['not a url', /not a URL/],
    ['ftp://k@host/1', /protocol "ftp" must be http or https/],
    ['http://host/1', /public key .* is missing/],
    ['http://k@host/', /project id .* is missing/],
    ['http://k@host/abc', /project id "abc" must be a number/],
  ])('init fails on %j naming the bad part', (dsn, message) => {
    expect(() => init({ dsn })).toThrow(DsnError);
    expect(() => init({ dsn })).toThrow(message);
  });

  it('never prints the secret key in an error', () => {
    expect(() => init({ dsn: 'ftp://k:topsecret@host/1' })).toThrow(/k:\*\*\*@/);
  });

  it('falls back to X_DSN, then SENTRY_DSN', async () => {
    vi.stubEnv('SENTRY_DSN', 'http://nope@127.0.0.1:1/1');
    vi.stubEnv('X_DSN', sink.dsn);
    init();
    captureMessage('from env');
    await flush(2000);
    expect(sink.events()).toHaveLength(1);
  });

  it('without any DSN, capturing is a no-op with one debug line', async () => {
    vi.stubEnv('X_DSN', '');
    vi.stubEnv('SENTRY_DSN', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    init({ debug: true });
    expect(getClient()?.isEnabled()).toBe(false);
    expect(captureException(new Error('x'))).toMatch(/^[0-9a-f]{32}$/);
    expect(await flush(100)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('no DSN');
  });

  it('without a DSN outside production, says so once even without debug', () => {
    vi.stubEnv('X_DSN', '');
    vi.stubEnv('SENTRY_DSN', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('NODE_ENV', 'development');
    init({ dsn: undefined });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/^\[@x\] no DSN given .*X_DSN=/);
    vi.stubEnv('NODE_ENV', 'production');
    init({ dsn: undefined });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('the event', () => {
  it('carries ids, sdk, scopes, exception and user', async () => {
    init({ dsn: sink.dsn, release: 'shop@1.0.0', environment: 'staging', serverName: 'web-1' });
    let id = '';
    await withIsolationScope(async (iso) => {
      iso.setUserResolver(() => ({
        id: 'u-1',
        username: 'alice',
        email: 'alice@example.com',
        subscription: 'pro',
      }));
      setTag('feature', 'checkout');
      setTag('attempt', 2);
      setContext('order', { id: 'o-9', total: 12.5 });
      setExtra('cart', ['a', 'b']);
      addBreadcrumb({ category: 'nav', message: 'to /pay' });
      withScope((scope) => {
        scope.setTag('step', 'pay');
        id = captureException(new Error('card declined', { cause: new TypeError('bad card') }), {
          mechanism: { type: 'test', handled: false },
        });
      });
    });
    expect(lastEventId()).toBe(id);
    expect(await flush(2000)).toBe(true);
    const [event] = sink.events();
    expect(event).toMatchObject({
      event_id: id,
      platform: 'node',
      level: 'error',
      release: 'shop@1.0.0',
      environment: 'staging',
      server_name: 'web-1',
      sdk: { name: 'x.javascript.core', version: SDK_VERSION, settings: { infer_ip: 'never' } },
      tags: { feature: 'checkout', attempt: '2', step: 'pay' },
      contexts: { order: { id: 'o-9', total: 12.5 } },
      extra: { cart: ['a', 'b'] },
      breadcrumbs: { values: [{ category: 'nav', message: 'to /pay' }] },
      // No sendDefaultPii: the auth user's email is personal data the SDK would collect on its own.
      user: { id: 'u-1', username: 'alice', subscription: 'pro' },
    });
    expect(typeof event?.timestamp === 'number' || event?.timestamp === undefined).toBe(true);
    const values = (
      (event?.exception ?? { values: [] }) as {
        values: { type: string; value: string; mechanism: unknown }[];
      }
    ).values;
    expect(values.map((v) => [v.type, v.value])).toEqual([
      ['TypeError', 'bad card'],
      ['Error', 'card declined'],
    ]);
    expect(values[1]?.mechanism).toEqual({ type: 'test', handled: false, exception_id: 0 });
    expect(
      validate(storeShape(event as Record<string, unknown>)),
      JSON.stringify(validate.errors),
    ).toBe(true);
  });

  it('is read back by Sentry’s own parseEnvelope into the same event', async () => {
    const sent: Record<string, unknown>[] = [];
    init({
      dsn: sink.dsn,
      beforeSend: (e) => {
        sent.push(structuredClone(e));
        return e;
      },
    });
    captureException(new Error('same'));
    await flush(2000);
    const [received] = sink.received;
    expect(received?.envelope[0]).toMatchObject({
      event_id: sent[0]?.event_id,
      sdk: { name: 'x.javascript.core' },
      dsn: sink.dsn,
    });
    expect(new Date(String(received?.envelope[0].sent_at)).getTime()).toBeGreaterThan(
      Date.now() - 60_000,
    );
    const [[itemHeader, payload]] = (received?.envelope[1] ?? []) as [
      [{ type: string; length: number }, unknown],
    ];
    expect(itemHeader.type).toBe('event');
    expect(payload).toEqual(sent[0]);
    expect(received?.headers['content-type']).toBe('application/x-sentry-envelope');
    expect(received?.headers['x-sentry-auth']).toBe(
      `Sentry sentry_version=7, sentry_key=public, sentry_client=x.javascript.core/${SDK_VERSION}`,
    );
    expect(received?.headers['user-agent']).toBe(`x.javascript.core/${SDK_VERSION}`);
  });

  it('captureMessage and captureEvent validate against the schema', async () => {
    init({ dsn: sink.dsn });
    captureMessage('hello', 'warning');
    captureEvent({
      logentry: { formatted: 'custom' },
      fingerprint: ['a'],
      user: { id: 3, Email: 'X' },
    });
    await flush(2000);
    const events = sink.events();
    expect(events.map((e) => e.logentry)).toEqual([
      { formatted: 'hello' },
      { formatted: 'custom' },
    ]);
    expect(events[0]?.level).toBe('warning');
    expect(events[1]?.user).toEqual({ id: '3', Email: 'X' });
    for (const event of events)
      expect(validate(storeShape(event)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('an async resolver is awaited, within its time limit', async () => {
    init({ dsn: sink.dsn, userResolverTimeoutMs: 50 });
    await withIsolationScope(async (iso) => {
      iso.setUserResolver(async () => {
        await new Promise((r) => setTimeout(r, 5));
        return { id: 'slow-but-ok' };
      });
      captureMessage('a');
      iso.setUserResolver(() => new Promise(() => undefined));
      captureMessage('b');
      iso.setUserResolver(() => {
        throw new Error('resolver bug');
      });
      captureMessage('c');
    });
    await flush(2000);
    const byMessage = Object.fromEntries(
      sink.events().map((e) => [(e.logentry as { formatted: string }).formatted, e.user]),
    );
    expect(byMessage).toEqual({ a: { id: 'slow-but-ok' }, b: undefined, c: undefined });
  });

  it('snapshots the scope at capture time', async () => {
    init({ dsn: sink.dsn });
    await withIsolationScope(async () => {
      setUser({ id: 'before' });
      captureMessage('m');
      setUser({ id: 'after' });
      getCurrentScope().setTag('late', true);
    });
    await flush(2000);
    expect(sink.events()[0]).toMatchObject({ user: { id: 'before' } });
    expect(sink.events()[0]?.tags).toBeUndefined();
  });

  it('beforeSend can change or drop events; a throwing beforeSend drops', async () => {
    init({
      dsn: sink.dsn,
      beforeSend: (event) => {
        const text = event.logentry?.formatted;
        if (text === 'drop') return null;
        if (text === 'throw') throw new Error('bug in beforeSend');
        return { ...event, tags: { scrubbed: 'yes' } };
      },
    });
    captureMessage('keep');
    captureMessage('drop');
    captureMessage('throw');
    await flush(2000);
    expect(sink.events().map((e) => e.tags)).toEqual([{ scrubbed: 'yes' }]);
    expect(sink.items('client_report')).toEqual([
      {
        timestamp: expect.any(Number),
        discarded_events: [{ reason: 'before_send', category: 'default', quantity: 2 }],
      },
    ]);
  });

  it('trims an oversized event, or drops it when trimming is not enough', async () => {
    init({ dsn: sink.dsn });
    await withIsolationScope(async () => {
      setExtra('blob', 'x'.repeat(16_000));
      for (let i = 0; i < 100; i++) setExtra(`k${i}`, 'y'.repeat(16_000));
      captureMessage('big extra');
    });
    await flush(2000);
    const [event] = sink.events();
    expect(event?.logentry).toEqual({ formatted: 'big extra' });
    expect(event?.extra).toBeUndefined();
    expect(sink.received[0]?.headers['content-encoding']).toBeUndefined();
  });

  it('measures the 1 MiB limit in UTF-8 bytes: text under it in length but over it in bytes is trimmed', async () => {
    init({ dsn: sink.dsn });
    await withIsolationScope(async () => {
      // 30 × 16,000 "€" (each within the 16,384-character limit of a value): 480,000 UTF-16
      // units, 1.44 MB of UTF-8.
      for (let i = 0; i < 30; i++) setExtra(`k${i}`, '€'.repeat(16_000));
      captureMessage('multi-byte extra');
    });
    await flush(2000);
    const [event] = sink.events();
    expect(event?.logentry).toEqual({ formatted: 'multi-byte extra' });
    expect(event?.extra).toBeUndefined();
  });

  it('sends envelopes as Sentry’s SDKs do: text, and an event item header without a length', async () => {
    init({ dsn: sink.dsn });
    captureMessage('über → 🚀\nsecond line');
    await flush(2000);
    const [received] = sink.received;
    const lines = new TextDecoder().decode(received?.body).split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1] ?? '')).toEqual({ type: 'event' });
    expect(sink.events()[0]?.logentry).toEqual({ formatted: 'über → 🚀\nsecond line' });
    expect(received?.headers['content-length']).toBe(String(received?.wire.length));
  });

  it('gzips large bodies', async () => {
    init({ dsn: sink.dsn });
    await withIsolationScope(async () => {
      for (let i = 0; i < 4; i++) setExtra(`text${i}`, 'lorem ipsum '.repeat(1300));
      captureMessage('zip');
    });
    await flush(2000);
    const [received] = sink.received;
    expect(received?.headers['content-encoding']).toBe('gzip');
    expect(received?.wire.length).toBeLessThan((received?.body.length ?? 0) / 5);
    expect(Object.values(sink.events()[0]?.extra as object)).toEqual(
      Array(4).fill('lorem ipsum '.repeat(1300)),
    );
  });

  it('never throws and leaves no unhandled rejection, whatever it is given', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      expect(() => captureException(new Error('before init'))).not.toThrow();
      init({ dsn: sink.dsn });
      const hostile = new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          getPrototypeOf() {
            throw new Error('trap');
          },
        },
      );
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await withIsolationScope(async (iso) => {
        iso.setUserResolver(() => hostile as never);
        setExtra('cyclic', cyclic);
        setExtra('big', 10n);
        setContext('fn', { f: () => 1 });
        expect(() => captureException(hostile)).not.toThrow();
        expect(() => captureException(undefined)).not.toThrow();
        expect(() => captureEvent(null as never)).not.toThrow();
        expect(() => captureMessage(Symbol('s') as never)).not.toThrow();
      });
      await flush(2000);
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
      expect(sink.events().length).toBeGreaterThanOrEqual(2);
      expect(sink.events()[0]?.extra).toEqual({ cyclic: {} });
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
