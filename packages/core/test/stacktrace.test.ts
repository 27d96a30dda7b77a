import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StackFrame } from '../src/event';
import { exceptionFromError } from '../src/exception';
import { parseStackFrames } from '../src/stacktrace';
import {
  CHROMIUM,
  CHROMIUM_ASYNC,
  CHROMIUM_MIXED,
  CHROMIUM_NEXT,
  FIREFOX,
  FIREFOX_ASYNC,
  FIREFOX_EXTENSION,
  FIREFOX_NAMES,
  FIREFOX_OLD_NAMES,
  NODE,
  NODE_EVAL,
  SAFARI,
  SAFARI_CDN,
  SAFARI_EXTENSION,
  SAFARI_MODULE,
} from './stacktrace.fixtures';

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

  it('hands out fresh frames on every call: editing them changes no later answer', () => {
    const stack = 'Error: boom\n    at fail (/srv/app/a.js:3:9)\n    at main (/srv/app/b.js:7:1)';
    const first = parseStackFrames(stack);
    (first[0] as StackFrame).function = 'edited';
    first.pop();
    const again = parseStackFrames(stack);
    expect(again.map((f) => [f.function, f.lineno])).toEqual([
      ['main', 7],
      ['fail', 3],
    ]);
    // Same text but for one line number: a different failure.
    const other = parseStackFrames(stack.replace('a.js:3:9', 'a.js:4:9'));
    expect(other.map((f) => f.lineno)).toEqual([7, 4]);
  });

  it('returns no frames for garbage', () => {
    expect(parseStackFrames(undefined)).toEqual([]);
    expect(parseStackFrames('no frames here\nat')).toEqual([]);
  });
});

const CHECKOUT = 'https://shop.example/assets/checkout.js';
const BUS = 'https://cdn.jsdelivr.net/npm/tiny-bus@2.1.0/dist/bus.min.js';
const NEXT_PAGE = 'https://shop.example/_next/static/chunks/app/(shop)/cart/page-3f2a9c.js';
const MOZ_EXT = 'moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/background.js';
const NATIVE = { filename: '[native code]', in_app: false };
/** A frame of the checkout script, in_app. */
const checkout = (fn: string, lineno: number, colno?: number): StackFrame => ({
  filename: CHECKOUT,
  function: fn,
  in_app: true,
  lineno,
  ...(colno === undefined ? {} : { colno }),
});

describe('parseStackFrames in the browser (page at https://shop.example)', () => {
  const inBrowser = () => vi.stubGlobal('location', { origin: 'https://shop.example' });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('a stack parsed before on Node is parsed again for the page (in_app depends on the origin)', () => {
    const stack = `Error: x\n    at send (${BUS}:1:200)`;
    expect(parseStackFrames(stack)[0]?.in_app).toBe(true);
    inBrowser();
    expect(parseStackFrames(stack)[0]?.in_app).toBe(false);
  });

  it('Firefox: nested anonymous functions, prototype methods, Function and eval code', () => {
    inBrowser();
    expect(parseStackFrames(FIREFOX)).toEqual([
      checkout('?', 12, 7),
      checkout('fromEval', 11, 30),
      checkout('eval', 11),
      checkout('anonymous', 10),
      checkout('renderRow', 9, 63),
      checkout('CartView.prototype.render', 4, 20),
      checkout('CartView.prototype.render/<', 5, 22),
      checkout('CartView.prototype.render/</<', 5, 47),
      checkout('formatPrice', 8, 30),
    ]);
  });

  it('Firefox: async functions, timer callbacks, resource:// is not in_app', () => {
    inBrowser();
    expect(parseStackFrames(FIREFOX_ASYNC)).toEqual([
      checkout('?', 20, 106),
      {
        filename: 'resource:///org/gnome/gjs/modules/script/mainloop.js',
        function: 'run',
        in_app: false,
        lineno: 19,
        colno: 22,
      },
      checkout('setTimeout/<', 1, 59),
      checkout('schedule/<', 16, 60),
      checkout('refresh', 15, 76),
      checkout('loadUser', 14, 53),
    ]);
  });

  it('Firefox: getters, names with @, eval in eval, older inner-function names', () => {
    inBrowser();
    const at = (file: string, fn: string, lineno: number, colno?: number) => ({
      filename: `https://shop.example/assets/${file}`,
      function: fn,
      in_app: true,
      lineno,
      ...(colno === undefined ? {} : { colno }),
    });
    expect(parseStackFrames(FIREFOX_NAMES)).toEqual([
      at('boot.js', '?', 2, 10),
      at('boot.js', 'evil', 2),
      at('boot.js', 'eval', 2),
      at('app.js', 'a@b', 17, 42),
      at('app.js', 'get total', 12, 107),
    ]);
    expect(parseStackFrames(FIREFOX_OLD_NAMES)).toEqual([
      at('vendor.js', '[2]</Bar.prototype._baz/</<', 703, 28),
      at('bus.js', 'dispatch/<.handle', 1, 92),
    ]);
  });

  it('Firefox: async causes, moz-extension:// and resource:// are not in_app', () => {
    inBrowser();
    expect(parseStackFrames(FIREFOX_EXTENSION)).toEqual([
      {
        filename: 'resource://gre/modules/ExtensionCommon.sys.mjs',
        function: 'onMessage',
        in_app: false,
        lineno: 1204,
        colno: 20,
      },
      { filename: MOZ_EXT, function: '?', in_app: false, lineno: 30, colno: 3 },
      { filename: MOZ_EXT, function: 'flush', in_app: false, lineno: 37, colno: 6 },
      { filename: MOZ_EXT, function: 'save', in_app: false, lineno: 42, colno: 11 },
    ]);
  });

  it('Safari: global code, [native code], anonymous frames; eval code has no location', () => {
    inBrowser();
    expect(parseStackFrames(SAFARI)).toEqual([
      checkout('global code', 12, 15),
      checkout('fromEval', 11, 34),
      { ...NATIVE, function: 'eval' },
      checkout('renderRow', 9, 69),
      checkout('?', 4, 23),
      { ...NATIVE, function: 'map' },
      checkout('?', 5, 25),
      { ...NATIVE, function: 'map' },
      checkout('?', 5, 47),
      checkout('formatPrice', 8, 47),
    ]);
  });

  it('Safari: module code; async resumption and CDN URLs with @ in them', () => {
    inBrowser();
    const main = 'https://shop.example/assets/main.mjs';
    expect(parseStackFrames(SAFARI_MODULE)).toEqual([
      { filename: main, function: 'module code', in_app: true, lineno: 3, colno: 15 },
      { ...NATIVE, function: 'map' },
      { filename: main, function: 'fail', in_app: true, lineno: 1, colno: 34 },
    ]);
    expect(parseStackFrames(SAFARI_CDN)).toEqual([
      {
        filename: 'https://unpkg.com/@scope/pkg@1.0.0/dist/index.js',
        function: '?',
        in_app: false,
        lineno: 3,
        colno: 7,
      },
      { filename: BUS, function: '?', in_app: false, lineno: 1, colno: 2290 },
      { filename: BUS, function: '?', in_app: false, lineno: 1, colno: 2231 },
      { ...NATIVE, function: 'asyncFunctionResume' },
      {
        filename: 'https://shop.example/assets/api-19ab.js',
        function: 'loadUser',
        in_app: true,
        lineno: 7,
        colno: 18,
      },
    ]);
  });

  it('Safari: extensions are not in_app', () => {
    inBrowser();
    expect(parseStackFrames(SAFARI_EXTENSION)).toEqual([
      { ...NATIVE, function: 'promiseReactionJob' },
      {
        filename: 'safari-extension://com.example.clipper-W8F64X92K3/ee7759dd/clipper.js',
        function: '?',
        in_app: false,
        lineno: 2,
        colno: 1588410,
      },
      {
        filename: 'safari-web-extension://46434E60-F5BD-48A4-80C8-A422C5D16897/scripts/content.js',
        function: 'isClaimed',
        in_app: false,
        lineno: 29,
        colno: 33314,
      },
    ]);
  });

  it('Chromium: eval and Function code point at the calling line; anonymous callbacks', () => {
    inBrowser();
    const anonymous = { filename: '<anonymous>', function: 'Array.map', in_app: false };
    expect(parseStackFrames(CHROMIUM)).toEqual([
      checkout('fromEval', 11, 30),
      checkout('eval', 11, 30),
      checkout('eval', 10, 16),
      checkout('renderRow', 9, 63),
      checkout('CartView.render', 4, 20),
      anonymous,
      checkout('?', 5, 22),
      anonymous,
      checkout('?', 5, 36),
      checkout('formatPrice', 8, 48),
    ]);
  });

  it('Chromium: async frames, Promise.all, (group) routes', () => {
    inBrowser();
    expect(parseStackFrames(CHROMIUM_ASYNC)).toEqual([
      checkout('?', 16, 54),
      checkout('refresh', 15, 42),
      { filename: 'index 1', function: 'Promise.all', in_app: false },
      checkout('loadUser', 14, 53),
    ]);
    expect(parseStackFrames(CHROMIUM_NEXT)).toEqual([
      { filename: NEXT_PAGE, function: 'CartPage.refresh', in_app: true, lineno: 1, colno: 3121 },
      { filename: NEXT_PAGE, function: 'loadCart', in_app: true, lineno: 1, colno: 2210 },
      { filename: '<anonymous>', function: 'Array.map', in_app: false },
      { filename: NEXT_PAGE, function: 'toRow', in_app: true, lineno: 1, colno: 1893 },
    ]);
  });

  it('Chromium: eval, constructors, extensions, Next dev (webpack-internal)', () => {
    inBrowser();
    const tmpl = 'https://cdn.example.net/tmpl@4.0.1/tmpl.min.js';
    expect(parseStackFrames(CHROMIUM_MIXED)).toEqual([
      { filename: 'https://shop.example/', function: '?', in_app: true, lineno: 41, colno: 7 },
      {
        filename:
          'webpack-internal:///(app-pages-browser)/./node_modules/next/dist/compiled/react-dom/cjs/react-dom.development.js',
        function: 'renderWithHooks',
        in_app: false,
        lineno: 11121,
        colno: 18,
      },
      {
        filename: 'webpack-internal:///(app-pages-browser)/./app/page.tsx',
        function: 'Page',
        in_app: true,
        lineno: 12,
        colno: 11,
      },
      {
        filename: 'chrome-extension://aapbdbdomjkkjkaonfhkkikfgjllcleb/content.js',
        function: 'HTMLDocument.<anonymous>',
        in_app: false,
        lineno: 1,
        colno: 733,
      },
      { filename: tmpl, function: 'Template', in_app: false, lineno: 2, colno: 1305 },
      { filename: tmpl, function: 'eval', in_app: false, lineno: 2, colno: 1180 },
    ]);
  });

  it('keeps file:// URLs as they are and judges other origins by the prefix, not a substring', () => {
    vi.stubGlobal('location', { origin: 'file://' });
    expect(parseStackFrames('@file:///home/me/app/index.html:23:1')).toEqual([
      {
        filename: 'file:///home/me/app/index.html',
        function: '?',
        in_app: true,
        lineno: 23,
        colno: 1,
      },
    ]);
    inBrowser();
    expect(
      parseStackFrames(
        'f@https://shop.example.evil.test/x.js:1:1\ng@https://cdn.test/https://shop.example/y.js:1:1',
      ),
    ).toMatchObject([{ in_app: false }, { in_app: false }]);
  });
});

describe('parseStackFrames on Node (no location)', () => {
  it('Node: node:internal frames, node_modules, abs_path', () => {
    expect(parseStackFrames(NODE)).toEqual([
      {
        filename: 'node:internal/timers',
        function: 'process.processTimers',
        in_app: false,
        lineno: 519,
        colno: 7,
      },
      {
        filename: 'node:internal/timers',
        function: 'listOnTimeout',
        in_app: false,
        lineno: 581,
        colno: 17,
      },
      {
        filename: '/srv/app/src/server.js',
        abs_path: '/srv/app/src/server.js',
        function: 'Timeout._onTimeout',
        in_app: true,
        lineno: 5,
        colno: 5,
      },
      {
        filename: '/srv/app/node_modules/tiny-router/index.js',
        abs_path: '/srv/app/node_modules/tiny-router/index.js',
        function: 'dispatch',
        in_app: false,
        lineno: 2,
        colno: 10,
      },
      {
        filename: '/srv/app/src/server.js',
        abs_path: '/srv/app/src/server.js',
        function: 'dispatch.tenant',
        in_app: true,
        lineno: 5,
        colno: 23,
      },
      {
        filename: '/srv/app/src/config.js',
        abs_path: '/srv/app/src/config.js',
        function: 'loadConfig',
        in_app: true,
        lineno: 3,
        colno: 24,
      },
      {
        filename: 'node:fs',
        function: 'Object.readFileSync',
        in_app: false,
        lineno: 448,
        colno: 20,
      },
    ]);
  });

  it('Node: nested eval points at the file that called eval; async anonymous frames', () => {
    const payment = {
      filename: '/srv/app/src/payment.mjs',
      abs_path: '/srv/app/src/payment.mjs',
      in_app: true,
      lineno: 3,
      colno: 33,
    };
    expect(parseStackFrames(NODE_EVAL)).toEqual([
      {
        filename: '/srv/app/src/main.mjs',
        abs_path: '/srv/app/src/main.mjs',
        function: '?',
        in_app: true,
        lineno: 5,
        colno: 7,
      },
      { ...payment, function: 'Payment' },
      { ...payment, function: 'evil' },
      { ...payment, function: 'eval' },
    ]);
  });

  it('Node: Windows file URLs become drive paths; Promise.all indexes are not in_app', () => {
    expect(
      parseStackFrames(
        'Error: x\n    at main (file:///C:/app/src/my%20main.js:1:2)\n    at async Promise.all (index 0)',
      ),
    ).toEqual([
      { filename: 'index 0', function: 'Promise.all', in_app: false },
      {
        filename: 'C:/app/src/my main.js',
        abs_path: 'C:/app/src/my main.js',
        function: 'main',
        in_app: true,
        lineno: 1,
        colno: 2,
      },
    ]);
  });

  it("browser engines' stacks keep Node's in_app rule without location", () => {
    expect(parseStackFrames(SAFARI_MODULE)).toEqual([
      {
        filename: 'https://shop.example/assets/main.mjs',
        function: 'module code',
        in_app: true,
        lineno: 3,
        colno: 15,
      },
      { ...NATIVE, function: 'map' },
      {
        filename: 'https://shop.example/assets/main.mjs',
        function: 'fail',
        in_app: true,
        lineno: 1,
        colno: 34,
      },
    ]);
  });

  it('a location that throws (Deno without --location) counts as Node', () => {
    Object.defineProperty(globalThis, 'location', {
      configurable: true,
      get() {
        throw new ReferenceError('Access to "location", run again with --location <href>.');
      },
    });
    try {
      expect(parseStackFrames('f@https://shop.example/a.js:1:2')).toEqual([
        { filename: 'https://shop.example/a.js', function: 'f', in_app: true, lineno: 1, colno: 2 },
      ]);
    } finally {
      delete (globalThis as { location?: unknown }).location;
    }
  });
});

describe('parseStackFrames limits and garbage', () => {
  it('keeps the 50 newest frames, the crashing one last', () => {
    const lines = Array.from(
      { length: 60 },
      (_, i) => `f${i}@https://shop.example/a.js:${i + 1}:1`,
    );
    const frames = parseStackFrames(lines.join('\n'));
    expect(frames).toHaveLength(50);
    expect(frames[0]?.function).toBe('f49');
    expect(frames.at(-1)).toEqual({
      filename: 'https://shop.example/a.js',
      function: 'f0',
      in_app: true,
      lineno: 1,
      colno: 1,
    });
  });

  it('does not read message text as frames', () => {
    expect(
      parseStackFrames(
        'Error: mail ops@shop.example:25 bounced\n    at send (/srv/app/mail.js:4:9)',
      ),
    ).toHaveLength(1);
    expect(parseStackFrames('Error: boom\neval code\nat')).toEqual([]);
    expect(parseStackFrames(`x@https://a.test/b.js:1:${'9'.repeat(30)}`)).toEqual([
      { filename: 'https://a.test/b.js', function: 'x', in_app: true, lineno: 1 },
    ]);
  });

  it('stays fast on huge lines (nested eval origins would take V8_EVAL quadratic time)', () => {
    const started = Date.now();
    const line = `    at eval (${'eval at f ('.repeat(30_000)}x.js:1:2)`;
    expect(parseStackFrames(`Error\n${line}\n${line}`)).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  const KEYS = new Set(['filename', 'abs_path', 'function', 'in_app', 'lineno', 'colno']);
  const lineOrColumn = (n: number | undefined) =>
    n === undefined || (Number.isSafeInteger(n) && n >= 0);
  const wellFormed = (frames: StackFrame[]) =>
    Array.isArray(frames) &&
    frames.length <= 50 &&
    frames.every(
      (f) =>
        Object.keys(f).every((k) => KEYS.has(k)) &&
        typeof f.filename === 'string' &&
        typeof f.function === 'string' &&
        f.function.length > 0 &&
        typeof f.in_app === 'boolean' &&
        (f.abs_path === undefined || f.abs_path === f.filename) &&
        lineOrColumn(f.lineno) &&
        lineOrColumn(f.colno),
    );
  // Lines built from the pieces frames are made of (so that most are nearly frames), and noise.
  const frameLine = fc
    .tuple(
      fc.constantFrom('', '    at ', 'at async ', '  '),
      fc.oneof(
        fc.constantFrom('', 'f', 'new X', 'a [as b]', 'promise callback*f', 'global code', 'f/</<'),
        fc.string({ maxLength: 8 }),
      ),
      fc.constantFrom('', '@', ' (', ' (eval at f (', ' (eval at f (eval at g ('),
      fc.oneof(
        fc.constantFrom(
          'https://shop.example/a.js',
          'https://cdn.test/p@1.0.0/x.js',
          'https://shop.example/a.js line 3 > eval',
          'file:///C:/app/%E0%A4%A.js',
          'file:///srv/app/node_modules/x.js',
          '/srv/app/a.js',
          'webpack-internal:///./app/page.tsx',
          '[native code]',
          '<anonymous>',
          'index 0',
          'node:fs',
        ),
        fc.string({ maxLength: 12 }),
      ),
      fc.constantFrom('', ':1', ':12:3', ':0:0', ':99999999999999999999999', ':1:1e3'),
      fc.constantFrom('', ')', '))', '), <anonymous>:1:2)', ' ', '\r'),
    )
    .map((parts) => parts.join(''));
  const stackish = fc
    .array(fc.oneof(frameLine, frameLine, fc.string({ unit: 'binary', maxLength: 40 })), {
      maxLength: 70,
    })
    .map((lines) => lines.join('\n'));

  it('never throws and returns well-formed frames for random input (Node and browser)', () => {
    const property = fc.property(fc.oneof(stackish, fc.string({ unit: 'binary' })), (stack) =>
      wellFormed(parseStackFrames(stack)),
    );
    fc.assert(property, { numRuns: 1000 });
    vi.stubGlobal('location', { origin: 'https://shop.example' });
    try {
      fc.assert(property, { numRuns: 1000 });
    } finally {
      vi.unstubAllGlobals();
    }
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
