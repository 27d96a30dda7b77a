// The adapter contract: the one status rule, shouldCapture with the framework's unit of work,
// a transaction name per unit, the SDK started under an adapter's name, and a resolver that
// throws said once per process.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getCarrier } from '../src/carrier';
import {
  captureRequestError,
  captureServerErrors,
  initAs,
  runRequestCapturing,
  statusOfError,
} from '../src/internal';
import { captureMessage, flush, getClient, init, withIsolationScope } from '../src/node';
import { useSharedSink } from './sink';

const sink = useSharedSink(500);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('statusOfError', () => {
  // Shapes of the frameworks' own errors: Nest's HttpException answers getStatus(); graphql-js
  // wraps what a resolver threw in a GraphQLError (originalError) with `extensions`.
  const httpException = (status: number) => ({ getStatus: () => status, status: 999 });
  const graphQLError = (extensions: Record<string, unknown>, originalError?: unknown) => ({
    message: 'x',
    extensions,
    originalError,
  });
  it.each([
    ['Nest HttpException (getStatus wins)', httpException(403), 403],
    ['Koa status', { status: 404 }, 404],
    ["Nest's WsException (an answer for the client)", { getError: () => 'not allowed' }, 400],
    ["Nest's RpcException stating a status", { getError: () => ({ status: 503 }) }, 503],
    ['an answer stating statusCode', { getError: () => ({ statusCode: 404 }) }, 404],
    ['Node statusCode', { statusCode: 503 }, 503],
    ['GraphQL http.status', graphQLError({ http: { status: 429 } }), 429],
    ['GraphQL BAD_USER_INPUT', graphQLError({ code: 'BAD_USER_INPUT' }), 400],
    ['GraphQL UNAUTHENTICATED', graphQLError({ code: 'UNAUTHENTICATED' }), 401],
    ['GraphQL FORBIDDEN', graphQLError({ code: 'FORBIDDEN' }), 403],
    ['GraphQL INTERNAL_SERVER_ERROR', graphQLError({ code: 'INTERNAL_SERVER_ERROR' }), 500],
    ['GraphQL wrapping a Nest 403', graphQLError({}, httpException(403)), 403],
    ['GraphQL wrapping a plain error', graphQLError({}, new Error('db down')), 500],
    ['a status outside 400–599', { status: 302 }, 500],
    [
      'a getStatus that throws',
      {
        getStatus: () => {
          throw new Error('x');
        },
      },
      500,
    ],
    [
      'a self-wrapping error',
      (() => {
        const e: Record<string, unknown> = {};
        e.originalError = e;
        return e;
      })(),
      500,
    ],
    ['a string', 'boom', 500],
  ])('%s → %i', (_name, error, status) => {
    expect(statusOfError(error)).toBe(status);
  });
});

describe('shouldCapture', () => {
  it('gets the status, the error and the framework unit, by the default rule otherwise', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const unit = { path: '/admin/x' };
    const seen: unknown[] = [];
    const rule = (status: number, _error: unknown, u: typeof unit) => {
      seen.push([status, u]);
      return u.path.startsWith('/admin');
    };
    captureRequestError(Object.assign(new Error('admin 404'), { status: 404 }), {
      mechanism: 'm',
      unit,
      shouldCapture: rule,
    });
    captureRequestError(Object.assign(new Error('plain 404'), { status: 404 }), { mechanism: 'm' });
    await flush(2000);
    expect(seen).toEqual([[404, unit]]);
    expect(sink.events().map((e) => JSON.stringify(e.exception))).toEqual([
      expect.stringContaining('admin 404'),
    ]);
    expect(captureServerErrors(500, undefined, undefined)).toBe(true);
    expect(captureServerErrors(499, undefined, undefined)).toBe(false);
  });
});

describe('a unit of work without HTTP', () => {
  it('names its transaction and records no request', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    await expect(
      runRequestCapturing(
        { transaction: 'job invoices/send', getUser: () => ({ id: 'u-job' }) },
        { mechanism: 'job' },
        () => {
          throw new Error('job failed');
        },
      ),
    ).rejects.toThrow('job failed');
    await flush(2000);
    const [event] = sink.events();
    expect(event?.transaction).toBe('job invoices/send');
    expect(event?.request).toBeUndefined();
    expect(event?.user).toEqual({ id: 'u-job' });
  });

  it('an explicit transaction name beats "<METHOD> <route>"', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    await runRequestCapturing(
      {
        method: 'POST',
        url: 'http://x.test/graphql',
        route: () => '/graphql',
        transaction: 'query Boom',
      },
      { mechanism: 'graphql' },
      () => {
        captureMessage('in the operation');
      },
    );
    await flush(2000);
    expect(sink.events()[0]?.transaction).toBe('query Boom');
  });
});

describe('initAs', () => {
  it("starts the SDK under the adapter's name unless the app names one", () => {
    const init = initAs('x.javascript.test');
    init({ dsn: sink.dsn });
    expect(getClient()?.options.sdk?.name).toBe('x.javascript.test');
    init({ dsn: sink.dsn, sdk: { name: 'mine', version: '1' } });
    expect(getClient()?.options.sdk?.name).toBe('mine');
  });
});

describe('a user resolver that throws', () => {
  it('is said once per process with console.warn, even without debug — not per request', async () => {
    getCarrier().warned?.delete('user-resolver');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    init({ dsn: sink.dsn, sendClientReports: false });
    const failing = () => {
      throw new Error('Must pass `secret` if not set to JWT getToken()');
    };
    for (let i = 0; i < 3; i++) {
      await withIsolationScope(async (scope) => {
        scope.setUserResolver(failing);
        captureMessage(`request ${i}`);
      });
    }
    await flush(2000);
    expect(sink.events()).toHaveLength(3);
    expect(sink.events().every((e) => e.user === undefined)).toBe(true);
    const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('resolver'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Must pass `secret`');
    expect(lines[0]).toContain("the adapter's getUser");
  });
});

describe('two copies of @x/core in one process', () => {
  it('share the carrier, and the copy of another version says so once at start-up', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const carrier = getCarrier();
    const before = carrier.versions;
    try {
      carrier.versions = ['0.0.1-other'];
      vi.resetModules();
      const copy = (await import('../src/carrier')) as typeof import('../src/carrier');
      expect(copy.getCarrier()).toBe(carrier);
      // What the node entry of the second copy does when it loads.
      copy.joinCarrier();
      copy.joinCarrier();
      const lines = warn.mock.calls.map((c) => String(c[0]));
      expect(lines.filter((l) => l.includes('0.0.1-other'))).toHaveLength(1);
      expect(carrier.versions).toContain('0.0.1-other');
      expect(carrier.versions).toHaveLength(2);
    } finally {
      carrier.versions = before;
    }
  });
});
