// The request kernel the adapters share: one status rule, one capture-once rule, the request
// described once. Adapter tests run it inside the real frameworks; these pin its own contract.
import { describe, expect, it } from 'vitest';
import {
  captureRequestError,
  requestUrl,
  runRequest,
  runRequestCapturing,
  statusOfError,
  toWebHeaders,
} from '../src/internal';
import {
  captureMessage,
  flush,
  getEventUser,
  getIsolationScope,
  init,
  withIsolationScope,
} from '../src/node';
import { useSharedSink } from './sink';

const sink = useSharedSink(500);
const mechanisms = () =>
  sink
    .events()
    .map(
      (e) => (e.exception as { values: { mechanism: { type: string } }[] }).values[0]?.mechanism,
    );

describe('statusOfError (the status part every adapter shares)', () => {
  it.each([
    [{ status: 404 }, 404],
    [{ statusCode: 503 }, 503],
    // A non-numeric `status` falls through to `statusCode` (koa and next used to disagree here).
    [{ status: '404', statusCode: 409 }, 409],
    [{ status: 302 }, 500],
    [{ status: 404.5 }, 500],
    [{ status: 700 }, 500],
    [new Error('plain'), 500],
    ['a string', 500],
    [null, 500],
  ])('%j → %i', (error, status) => {
    expect(statusOfError(error)).toBe(status);
  });
});

describe('captureRequestError', () => {
  it('captures server errors once, whoever sees them first, and skips client errors', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const error = new Error('boom');
    captureRequestError(error, { mechanism: 'first' });
    captureRequestError(error, { mechanism: 'second' });
    captureRequestError(Object.assign(new Error('not found'), { status: 404 }), {
      mechanism: 'client',
    });
    captureRequestError(new Error('explicit 404'), { mechanism: 'told', status: 404 });
    captureRequestError(new Error('let through'), {
      mechanism: 'custom',
      status: 404,
      shouldCapture: (status) => status === 404,
    });
    await flush(2000);
    expect(mechanisms()).toEqual([
      { type: 'first', handled: false },
      { type: 'custom', handled: false },
    ]);
  });

  it('captures a frozen error once too; only an error that cannot carry the mark is kept in the WeakSet', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const remembered = () =>
      (globalThis as Record<symbol, WeakSet<object> | undefined>)[Symbol.for('@x/core.captured')];
    const plain = new Error('plain');
    const frozen = Object.freeze(new Error('frozen'));
    for (const mechanism of ['first', 'second']) {
      captureRequestError(plain, { mechanism });
      captureRequestError(frozen, { mechanism });
    }
    await flush(2000);
    expect(mechanisms()).toEqual([
      { type: 'first', handled: false },
      { type: 'first', handled: false },
    ]);
    expect(remembered()?.has(frozen)).toBe(true);
    expect(remembered()?.has(plain) ?? false).toBe(false);
  });

  it('runs in the request scopes it is given, and survives a throwing shouldCapture', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const scopes = runRequest({ getUser: () => ({ id: 'u-request' }) }, (s) => s);
    captureRequestError(new Error('outside the async context'), { mechanism: 'late', scopes });
    expect(() =>
      captureRequestError(new Error('x'), {
        mechanism: 'bad rule',
        shouldCapture: () => {
          throw new Error('rule bug');
        },
      }),
    ).not.toThrow();
    await flush(2000);
    expect(sink.events().map((e) => e.user)).toEqual([{ id: 'u-request' }]);
  });
});

describe('runRequest', () => {
  it('opens a fresh isolation scope with the request, client IP and lazy user', async () => {
    init({ dsn: sink.dsn, sendDefaultPii: true });
    let auth: { sub: string } | undefined;
    const outer = getIsolationScope();
    const headers = new Headers({ 'user-agent': 'test' });
    await runRequest(
      {
        method: 'post',
        url: 'http://shop.test/pay?x=1',
        headers,
        clientIp: () => '203.0.113.9',
        getUser: () => (auth ? { id: auth.sub } : null),
      },
      async ({ isolationScope }) => {
        expect(isolationScope).toBe(getIsolationScope());
        expect(isolationScope).not.toBe(outer);
        // Kept as given: Web headers are read only when an event is built (pii.test.ts).
        expect(isolationScope.getScopeData().request?.headers).toBe(headers);
        auth = { sub: 'u-late' }; // the auth layer ran after the adapter: still seen
        expect(await getEventUser()).toEqual({ id: 'u-late', ip_address: '203.0.113.9' });
      },
    );
  });

  it('runRequestCapturing takes a function that describes the request (called as it starts)', async () => {
    init({ dsn: sink.dsn });
    await runRequestCapturing(
      () => ({ method: 'GET', url: 'http://shop.test/lazy?y=2' }),
      { mechanism: 'test' },
      async () => {
        expect(getIsolationScope().getScopeData().request?.url).toBe('http://shop.test/lazy?y=2');
      },
    );
  });

  it('runRequestCapturing captures a rejection once and rethrows it unchanged', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const error = new Error('async boom');
    const request = { getUser: () => ({ id: 'u1' }) };
    await expect(
      runRequestCapturing(request, { mechanism: 'test' }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        throw error;
      }),
    ).rejects.toBe(error);
    await withIsolationScope(() =>
      expect(
        runRequestCapturing(request, { mechanism: 'again' }, () => {
          throw error;
        }),
      ).rejects.toBe(error),
    );
    await flush(2000);
    expect(mechanisms()).toEqual([{ type: 'test', handled: false }]);
    expect(sink.events()[0]?.user).toEqual({ id: 'u1' });
  });
});

describe('the route', () => {
  it('names the transaction "<METHOD> <route>", read when the event is built', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    let matched: string | undefined;
    await runRequestCapturing(
      { method: 'post', url: 'http://shop.test/pay/42', route: () => matched },
      { mechanism: 'test' },
      async () => {
        matched = '/pay/:id'; // the router ran after the adapter
        captureMessage('with route');
      },
    );
    await runRequestCapturing(
      { method: 'get', url: 'http://shop.test/x' },
      { mechanism: 'test' },
      () => {
        captureMessage('without route');
      },
    );
    const throwing = () => {
      throw new Error('router bug');
    };
    await runRequestCapturing({ method: 'get', route: throwing }, { mechanism: 'test' }, () => {
      captureMessage('throwing route');
    });
    await flush(2000);
    expect(sink.events().map((e) => e.transaction)).toEqual([
      'POST /pay/:id',
      undefined,
      undefined,
    ]);
  });
});

describe('the request’s own values', () => {
  it('client IP and route are read when the error is captured: the request may be gone later', async () => {
    init({ dsn: sink.dsn, sendDefaultPii: true, sendClientReports: false });
    let open = true; // like ctx.ip: the socket's address, undefined once the socket is closed
    await runRequestCapturing(
      {
        method: 'get',
        clientIp: () => (open ? '203.0.113.5' : undefined),
        route: () => (open ? '/boom' : undefined),
        getUser: () => ({ id: 'u1' }),
      },
      { mechanism: 'test' },
      () => {
        captureMessage('captured while open');
        open = false;
      },
    );
    await flush(2000);
    const [event] = sink.events();
    expect(event?.user).toEqual({ id: 'u1', ip_address: '203.0.113.5' });
    expect(event?.transaction).toBe('GET /boom');
  });

  it('a URL getter is read only when something is captured, then at once; one that throws drops only the URL', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    let reads = 0;
    let path = '/cart?step=2';
    const url = () => {
      reads++;
      return `http://shop.test${path}`;
    };
    await runRequestCapturing({ method: 'get', url }, { mechanism: 'test' }, () => 'no capture');
    expect(reads).toBe(0);
    await runRequestCapturing({ method: 'get', url }, { mechanism: 'test' }, () => {
      captureMessage('with url');
      path = '/moved'; // read when captured, not when the event is built
    });
    expect(reads).toBe(1);
    const throwing = () => {
      throw new Error('proxy header bug');
    };
    await runRequestCapturing({ method: 'get', url: throwing }, { mechanism: 'test' }, () => {
      captureMessage('throwing url');
    });
    await flush(2000);
    const [withUrl, withoutUrl] = sink.events();
    expect(withUrl?.request).toMatchObject({
      url: 'http://shop.test/cart',
      query_string: 'step=2',
    });
    expect(withoutUrl?.logentry).toEqual({ formatted: 'throwing url' });
    expect(withoutUrl?.request).toEqual({ method: 'GET' });
  });
});

describe('requestUrl and toWebHeaders', () => {
  it('builds the full URL from its parts', () => {
    expect(requestUrl({ protocol: 'https', host: 'shop.test', path: '/a?b=1' })).toBe(
      'https://shop.test/a?b=1',
    );
    expect(requestUrl({ host: 'shop.test', path: '/a' })).toBe('http://shop.test/a');
    expect(requestUrl({ host: ['a', 'b'], path: '/a' })).toBe('/a');
    expect(requestUrl({ host: 'shop.test' })).toBeUndefined();
  });

  it('turns Node headers into Web Headers, joining arrays and dropping what Headers refuses', () => {
    const headers = toWebHeaders({
      accept: 'text/html',
      'x-many': ['a', 'b'],
      'bad name': 'x',
      count: 3,
    });
    expect([...headers.entries()]).toEqual([
      ['accept', 'text/html'],
      ['x-many', 'a, b'],
    ]);
  });
});
