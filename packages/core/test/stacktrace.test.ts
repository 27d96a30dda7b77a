import { describe, expect, it } from 'vitest';
import { exceptionFromError } from '../src/exception';
import { parseStackFrames } from '../src/stacktrace';

const STACK = `TypeError: boom
    at Object.handler [as fn] (/app/src/routes/pay.ts:12:7)
    at async Router.dispatch (/app/node_modules/@koa/router/lib/router.js:400:16)
    at new Payment (file:///app/src/payment%20x.js:3:9)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)
    at /app/src/index.ts:5:1
    at eval (eval at run (/app/src/vm.js:10:3), <anonymous>:1:1)
    at Array.map (<anonymous>)`;

describe('parseStackFrames', () => {
  it('parses V8 frames, oldest first, with in_app', () => {
    expect(parseStackFrames(STACK)).toEqual([
      { filename: '<anonymous>', function: 'Array.map', in_app: false },
      {
        filename: '/app/src/vm.js',
        abs_path: '/app/src/vm.js',
        function: 'eval',
        in_app: true,
        lineno: 10,
        colno: 3,
      },
      {
        filename: '/app/src/index.ts',
        abs_path: '/app/src/index.ts',
        function: '?',
        in_app: true,
        lineno: 5,
        colno: 1,
      },
      {
        filename: 'node:internal/process/task_queues',
        function: 'processTicksAndRejections',
        in_app: false,
        lineno: 95,
        colno: 5,
      },
      {
        filename: '/app/src/payment x.js',
        abs_path: '/app/src/payment x.js',
        function: 'Payment',
        in_app: true,
        lineno: 3,
        colno: 9,
      },
      {
        filename: '/app/node_modules/@koa/router/lib/router.js',
        abs_path: '/app/node_modules/@koa/router/lib/router.js',
        function: 'Router.dispatch',
        in_app: false,
        lineno: 400,
        colno: 16,
      },
      {
        filename: '/app/src/routes/pay.ts',
        abs_path: '/app/src/routes/pay.ts',
        function: 'Object.handler',
        in_app: true,
        lineno: 12,
        colno: 7,
      },
    ]);
  });

  it('returns no frames for garbage', () => {
    expect(parseStackFrames(undefined)).toEqual([]);
    expect(parseStackFrames('no frames here\nat')).toEqual([]);
  });
});

describe('exceptionFromError', () => {
  it('chains causes oldest first, with mechanism links', () => {
    const root = new RangeError('db timeout');
    const error = new Error('payment failed', { cause: root });
    const values = exceptionFromError(error, { type: 'koa', handled: false });
    expect(values.map((v) => [v.type, v.value, v.mechanism])).toEqual([
      [
        'RangeError',
        'db timeout',
        { type: 'chained', source: 'cause', handled: false, exception_id: 1, parent_id: 0 },
      ],
      ['Error', 'payment failed', { type: 'koa', handled: false, exception_id: 0 }],
    ]);
    expect(values[1]?.stacktrace?.frames.at(-1)?.filename).toContain('stacktrace.test.ts');
    expect(values[1]?.stacktrace?.frames.at(-1)?.in_app).toBe(true);
  });

  it('handles non-errors, cycles and hostile errors', () => {
    expect(exceptionFromError('just a string', { type: 'generic', handled: true })).toEqual([
      {
        type: 'Error',
        value: 'just a string',
        mechanism: { type: 'generic', handled: true, synthetic: true },
      },
    ]);
    expect(exceptionFromError({ code: 7 }, { type: 'generic' })[0]?.value).toBe(
      'Non-Error thrown: {"code":7}',
    );
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(exceptionFromError(b, { type: 'generic' })).toHaveLength(2);
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'stack', {
      get() {
        throw new Error('no stack');
      },
    });
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('no message');
      },
    });
    expect(exceptionFromError(hostile, { type: 'generic' })).toEqual([
      { type: 'Error', value: '', mechanism: { type: 'generic' } },
    ]);
  });
});
