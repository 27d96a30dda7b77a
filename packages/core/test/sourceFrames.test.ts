// Frames a developer can act on (Node): built code mapped back to the .ts the developer wrote,
// context lines, in_app, root-relative names. Real files, real source maps (esbuild output in
// fixtures/sourceFrames/built, rebuilt by its build.mjs), a real sink; no fs mocks.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { StackFrame } from '../src/event';
import {
  captureEvent,
  captureException,
  type Event,
  flush,
  init,
  withIsolationScope,
} from '../src/node';
import {
  applySourceFrames,
  CONTEXT_LINES,
  clearSourceFrameCaches,
  MAX_CONTEXT_FILES_PER_EVENT,
  moduleFromPath,
} from '../src/sourceFrames';
import { useSharedSink } from './sink';

const sink = useSharedSink();
const requireNative = createRequire(__filename);
const fixtures = join(__dirname, 'fixtures', 'sourceFrames');
const appTs = join(fixtures, 'app.ts');
const appLines = readFileSync(appTs, 'utf8').split('\n');
const throwLine = appLines.findIndex((line) => line.includes('// THROW')) + 1;
const callLine = appLines.findIndex((line) => line.includes('checkoutTotal(order);')) + 1;
const coreRoot = join(__dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'x-source-frames-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface App {
  checkoutTotal(order: unknown): number;
  runCheckout(order: unknown): number;
  throughCaller(via: (fn: () => void) => void, order: unknown): void;
}
const negative = { id: 'o-1', lines: [{ sku: 'a', quantity: 1, price: -5 }] };

function thrownBy(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

async function capturedFrames(error: unknown, root = coreRoot): Promise<StackFrame[]> {
  init({ dsn: sink.dsn, root });
  captureException(error);
  expect(await flush(5000)).toBe(true);
  const [event] = sink.events() as Event[];
  return event?.exception?.values?.at(-1)?.stacktrace?.frames ?? [];
}

const inApp = (frames: StackFrame[]) => frames.filter((f) => f.in_app);

function expectThrowingFrame(frame: StackFrame | undefined): void {
  expect(frame).toMatchObject({
    filename: 'test/fixtures/sourceFrames/app.ts',
    abs_path: appTs,
    function: 'checkoutTotal',
    lineno: throwLine,
    in_app: true,
    module: 'test.fixtures.sourceFrames:app.ts',
    context_line: appLines[throwLine - 1],
    pre_context: appLines.slice(throwLine - 1 - CONTEXT_LINES, throwLine - 1),
    post_context: appLines.slice(throwLine, throwLine + CONTEXT_LINES),
  });
  expect(frame?.pre_context).toHaveLength(7);
  expect(frame?.post_context).toHaveLength(7);
}

describe('built code is mapped to the source the developer wrote', () => {
  for (const build of ['linked', 'nocontent', 'inline', 'minified']) {
    it(`${build}.cjs: the top in-app frame is app.ts at the throwing line, with context`, async () => {
      clearSourceFrameCaches();
      const app = requireNative(join(fixtures, 'built', `${build}.cjs`)) as App;
      // The stack itself names the built file.
      const error = thrownBy(() => app.runCheckout(negative));
      expect(error.stack).toContain(`${build}.cjs:`);
      const frames = await capturedFrames(error);
      const own = inApp(frames);
      expectThrowingFrame(own.at(-1));
      // The caller below it is mapped too (and named as written, even when minified).
      expect(own.at(-2)).toMatchObject({
        filename: 'test/fixtures/sourceFrames/app.ts',
        function: 'Object.runCheckout',
        lineno: callLine,
        context_line: appLines[callLine - 1],
      });
      expect(frames.some((f) => f.filename?.includes('built/'))).toBe(false);
    });
  }

  it('contextLines sets how much source is sent; 0 sends none', async () => {
    clearSourceFrameCaches();
    const app = requireNative(join(fixtures, 'built', 'linked.cjs')) as App;
    for (const [contextLines, expected] of [
      [2, 2],
      [0, undefined],
    ] as const) {
      sink.received.length = 0;
      init({ dsn: sink.dsn, root: coreRoot, contextLines });
      captureException(thrownBy(() => app.runCheckout(negative)));
      expect(await flush(5000)).toBe(true);
      const frames = (sink.events() as Event[])[0]?.exception?.values?.at(-1)?.stacktrace?.frames;
      const top = inApp(frames ?? []).at(-1);
      expect(top).toMatchObject({
        filename: 'test/fixtures/sourceFrames/app.ts',
        lineno: throwLine,
      });
      expect(top?.pre_context?.length).toBe(expected);
      expect(top?.post_context?.length).toBe(expected);
      expect(top?.context_line === undefined).toBe(expected === undefined);
    }
  });

  it('without a map the built file stays, with its own lines as context', async () => {
    clearSourceFrameCaches();
    const dir = join(scratch, 'nomap');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'plain.cjs');
    writeFileSync(
      file,
      [
        '// plain',
        'exports.fail = function fail() {',
        "  throw new Error('plain');",
        '};',
        '',
      ].join('\n'),
    );
    const frames = await capturedFrames(thrownBy(requireNative(file).fail), scratch);
    expect(inApp(frames).at(-1)).toMatchObject({
      filename: 'nomap/plain.cjs',
      abs_path: file,
      function: 'fail',
      lineno: 3,
      module: 'nomap:plain',
      pre_context: ['// plain', 'exports.fail = function fail() {'],
      context_line: "  throw new Error('plain');",
      post_context: ['};', ''],
    });
  });
});

describe('in_app', () => {
  it('is false for node_modules, node: and @x frames, true for the app (even its packages/core)', async () => {
    clearSourceFrameCaches();
    const root = join(scratch, 'inapp');
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('node_modules/some-lib/index.cjs', 'exports.call = function libCall(fn) { fn(); };\n');
    write('packages/koa/package.json', JSON.stringify({ name: '@x/koa' }));
    write('packages/koa/dist/index.cjs', 'exports.wrap = function xWrap(fn) { fn(); };\n');
    write('packages/core/package.json', JSON.stringify({ name: '@acme/core' }));
    write('packages/core/src/run.cjs', 'exports.run = function acmeRun(fn) { fn(); };\n');
    write('vendor/@x/next/dist/index.cjs', 'exports.wrap = function xNext(fn) { fn(); };\n');
    const lib = requireNative(join(root, 'node_modules/some-lib/index.cjs'));
    const xKoa = requireNative(join(root, 'packages/koa/dist/index.cjs'));
    const acme = requireNative(join(root, 'packages/core/src/run.cjs'));
    const xNext = requireNative(join(root, 'vendor/@x/next/dist/index.cjs'));
    const app = requireNative(join(fixtures, 'built', 'linked.cjs')) as App;
    const emitter = new EventEmitter();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const error = thrownBy(() =>
      withIsolationScope(() =>
        acme.run(() =>
          xNext.wrap(() =>
            xKoa.wrap(() =>
              lib.call(() =>
                app.throughCaller((fn) => {
                  emitter.on('go', fn);
                  emitter.emit('go');
                }, negative),
              ),
            ),
          ),
        ),
      ),
    );
    Error.stackTraceLimit = limit;
    const frames = await capturedFrames(error, root);
    const byFunction = (name: string) => frames.find((f) => f.function?.endsWith(name));
    expect(byFunction('libCall')).toMatchObject({ in_app: false, module: 'some-lib:index' });
    expect(byFunction('xWrap')).toMatchObject({
      in_app: false,
      filename: 'packages/koa/dist/index.cjs',
    });
    expect(byFunction('xNext')).toMatchObject({ in_app: false });
    expect(byFunction('acmeRun')).toMatchObject({ in_app: true, context_line: expect.any(String) });
    expect(byFunction('emit')).toMatchObject({ filename: 'node:events', in_app: false });
    // @x/core's own frames (here its sources, in a workspace named @x/core).
    const core = frames.filter((f) => f.abs_path?.startsWith(join(coreRoot, 'src')));
    expect(core.length).toBeGreaterThan(0);
    expect(core.every((f) => f.in_app === false && f.context_line === undefined)).toBe(true);
    // No frame that is not the app's gets context lines.
    expect(frames.filter((f) => !f.in_app && f.context_line !== undefined)).toEqual([]);
    // The app's file lies outside this root: its filename stays absolute.
    expect(inApp(frames).at(-1)).toMatchObject({
      filename: appTs,
      abs_path: appTs,
      lineno: throwLine,
      context_line: appLines[throwLine - 1],
    });
  });
});

describe('the built package', () => {
  // A child process on dist/ (as an app runs it), copied to a folder no path rule knows: only
  // the "directory @x/core runs from" rule can tell its frames from the app's.
  function framesFrom(folder: string, name: string): StackFrame[] {
    const dir = join(scratch, folder);
    cpSync(join(coreRoot, 'dist'), join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module' }));
    symlinkSync(join(coreRoot, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(
      join(dir, 'app.cjs'),
      'exports.fail = function appFail() { throw new Error("x"); };\n',
    );
    const script = `
      import { createRequire } from 'node:module';
      const core = await import(${JSON.stringify(pathToFileURL(join(dir, 'dist', 'node.js')).href)});
      const app = createRequire(import.meta.url)(${JSON.stringify(join(dir, 'app.cjs'))});
      const sent = [];
      core.init({ dsn: 'http://k@127.0.0.1:9/1', transport: () => ({ send: (e) => sent.push(e), flush: async () => true }) });
      let error;
      core.withIsolationScope(() => { try { app.fail(); } catch (e) { error = e; } });
      core.captureException(error);
      await core.flush(5000);
      const body = sent[0].body;
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      console.log(JSON.stringify(JSON.parse(text.split('\\n')[2]).exception.values[0].stacktrace.frames));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
    });
    return JSON.parse(out) as StackFrame[];
  }

  it("knows its own dist wherever it is installed, but not an app's dist with core bundled in", () => {
    const own = framesFrom('vendored', '@x/core');
    const core = own.filter((f) => /[\\/]vendored[\\/](?:src|dist)[\\/]/.test(f.abs_path ?? ''));
    expect(core.map((f) => f.function)).toContain('Module.withIsolationScope');
    expect(core.every((f) => f.in_app === false)).toBe(true);
    expect(own.find((f) => f.function === 'Object.appFail')).toMatchObject({
      in_app: true,
      filename: 'app.cjs',
    });
    // The same files in an app that is not @x/core: its frames are the app's.
    const app = framesFrom('bundled', 'my-app');
    expect(app.find((f) => f.function === 'Module.withIsolationScope')).toMatchObject({
      in_app: true,
    });
  });
});

describe('unreadable sources are skipped silently', () => {
  it('a map whose source is missing or a directory: mapped position, no context, event sent', async () => {
    clearSourceFrameCaches();
    const dir = join(scratch, 'missing', 'built');
    mkdirSync(dir, { recursive: true });
    cpSync(join(fixtures, 'built', 'nocontent.cjs'), join(dir, 'nocontent.cjs'));
    cpSync(join(fixtures, 'built', 'nocontent.cjs.map'), join(dir, 'nocontent.cjs.map'));
    const app = requireNative(join(dir, 'nocontent.cjs')) as App;
    let frames = await capturedFrames(
      thrownBy(() => app.runCheckout(negative)),
      scratch,
    );
    expect(inApp(frames).at(-1)).toMatchObject({
      filename: 'missing/app.ts',
      lineno: throwLine,
      function: 'checkoutTotal',
    });
    expect(inApp(frames).at(-1)?.context_line).toBeUndefined();

    // The "source" is a directory: still no context, still sent.
    clearSourceFrameCaches();
    sink.received.length = 0;
    mkdirSync(join(scratch, 'missing', 'app.ts'));
    frames = await capturedFrames(
      thrownBy(() => app.runCheckout(negative)),
      scratch,
    );
    expect(inApp(frames).at(-1)).toMatchObject({ filename: 'missing/app.ts', lineno: throwLine });
    expect(inApp(frames).at(-1)?.pre_context).toBeUndefined();
  });

  it('a source over 1 MB gets no context lines', async () => {
    clearSourceFrameCaches();
    const file = join(scratch, 'big.cjs');
    writeFileSync(
      file,
      `exports.fail = function fail() { throw new Error('big'); };\n${'//'.padEnd(1_100_000, 'x')}\n`,
    );
    const frames = await capturedFrames(thrownBy(requireNative(file).fail), scratch);
    expect(inApp(frames).at(-1)).toMatchObject({ filename: 'big.cjs', lineno: 1 });
    expect(inApp(frames).at(-1)?.context_line).toBeUndefined();
  });

  it(`at most ${MAX_CONTEXT_FILES_PER_EVENT} files give context lines to one event`, async () => {
    const files = Array.from({ length: 12 }, (_, i) => {
      const file = join(scratch, 'many', `f${i}.js`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `// file ${i}\n`);
      return file;
    });
    const event: Event = {
      exception: {
        values: [
          {
            type: 'Error',
            stacktrace: { frames: files.map((f) => ({ filename: f, lineno: 1, in_app: true })) },
          },
        ],
      },
    };
    await applySourceFrames(event, { root: scratch });
    const frames = event.exception?.values?.[0]?.stacktrace?.frames ?? [];
    // Newest (last) frames first.
    expect(frames.map((f) => f.context_line !== undefined)).toEqual([
      false,
      false,
      ...Array(10).fill(true),
    ]);
  });
});

describe('the same failure repeats: frames improved once, per stack', () => {
  it('each event gets its own copy of its own frames; a different error gets its own', async () => {
    clearSourceFrameCaches();
    const app = requireNative(join(fixtures, 'built', 'linked.cjs')) as App;
    let seen = 0;
    init({
      dsn: sink.dsn,
      root: coreRoot,
      // The first event's frames are edited in place: later events must not see the edit.
      beforeSend: (event) => {
        if (seen++ === 0) {
          for (const frame of event.exception?.values?.at(-1)?.stacktrace?.frames ?? []) {
            frame.function = 'edited';
            frame.pre_context?.splice(0, 7, 'edited');
          }
        }
        return event;
      },
    });
    // Two throws from one call site (the same stack), then one from another call path.
    for (let i = 0; i < 2; i++) captureException(thrownBy(() => app.runCheckout(negative)));
    expect(await flush(5000)).toBe(true);
    captureException(thrownBy(() => app.checkoutTotal(negative)));
    expect(await flush(5000)).toBe(true);
    const events = sink.events() as Event[];
    expect(events).toHaveLength(3);
    const frames = events.map((e) => inApp(e.exception?.values?.at(-1)?.stacktrace?.frames ?? []));
    expect(frames[0]?.at(-1)?.function).toBe('edited');
    expectThrowingFrame(frames[1]?.at(-1));
    expect(frames[1]?.at(-2)?.function).toBe('Object.runCheckout');
    // Called directly, V8 names the receiver: `Object.checkoutTotal`.
    expect(frames[2]?.at(-1)).toMatchObject({
      function: 'Object.checkoutTotal',
      lineno: throwLine,
      context_line: appLines[throwLine - 1],
    });
    expect(frames[2]?.some((f) => f.function === 'Object.runCheckout')).toBe(false);
  });

  it('with `share` (no hook will see the event) the cached frames go out as they are', async () => {
    clearSourceFrameCaches();
    const at = (): Event => ({
      exception: {
        values: [
          { stacktrace: { frames: [{ filename: appTs, lineno: throwLine, in_app: true }] } },
        ],
      },
    });
    const [first, shared, again, copied] = [at(), at(), at(), at()];
    await applySourceFrames(first, { root: coreRoot, share: true });
    await applySourceFrames(shared, { root: coreRoot, share: true });
    await applySourceFrames(again, { root: coreRoot, share: true });
    await applySourceFrames(copied, { root: coreRoot });
    const framesOf = (e: Event) => e.exception?.values?.[0]?.stacktrace?.frames;
    expect(framesOf(first)?.[0]?.context_line).toBe(appLines[throwLine - 1]);
    expect(framesOf(shared)).toBe(framesOf(first));
    expect(framesOf(again)).toBe(framesOf(first));
    // Without it, a copy with the same content.
    expect(framesOf(copied)).not.toBe(framesOf(first));
    expect(framesOf(copied)).toEqual(framesOf(first));
  });

  it('frames differing only in their line get the context of their own line', async () => {
    clearSourceFrameCaches();
    const at = (lineno: number): Event => ({
      exception: {
        values: [{ stacktrace: { frames: [{ filename: appTs, lineno, in_app: true }] } }],
      },
    });
    const [first, second, again] = [at(throwLine), at(callLine), at(throwLine)];
    for (const event of [first, second, again]) await applySourceFrames(event, { root: coreRoot });
    const top = (e: Event) => e.exception?.values?.[0]?.stacktrace?.frames?.[0];
    expect(top(first)?.context_line).toBe(appLines[throwLine - 1]);
    expect(top(second)?.context_line).toBe(appLines[callLine - 1]);
    expect(top(again)).toEqual(top(first));
    expect(top(again)).not.toBe(top(first));
  });

  it('frames with fields the parser never writes are improved on their own, not from the cache', async () => {
    clearSourceFrameCaches();
    const frame = { filename: appTs, lineno: throwLine, in_app: true };
    const plain: Event = { exception: { values: [{ stacktrace: { frames: [{ ...frame }] } }] } };
    // Sentry's `vars` (not in our type): a captureEvent frame may carry anything.
    const withVars = { ...frame, vars: { total: -5 } } as StackFrame;
    const own: Event = { exception: { values: [{ stacktrace: { frames: [withVars] } }] } };
    await applySourceFrames(plain, { root: coreRoot });
    await applySourceFrames(own, { root: coreRoot });
    const top = own.exception?.values?.[0]?.stacktrace?.frames?.[0];
    expect(top).toMatchObject({ vars: { total: -5 }, context_line: appLines[throwLine - 1] });
  });
});

describe('off the caller path', () => {
  it('captureException reads no file before it returns', async () => {
    clearSourceFrameCaches();
    const file = join(scratch, 'order.cjs');
    writeFileSync(
      file,
      "exports.fail = function fail() { throw new Error('order'); }; // before\n",
    );
    const error = thrownBy(requireNative(file).fail);
    init({ dsn: sink.dsn, root: scratch });
    captureException(error);
    // Changed right after captureException returned: what the event shows was read after it.
    writeFileSync(file, "exports.fail = function fail() { throw new Error('order'); }; // after\n");
    await flush(5000);
    const [event] = sink.events() as Event[];
    const frame = event?.exception?.values?.[0]?.stacktrace?.frames?.at(-1);
    expect(frame?.context_line).toContain('// after');
  });

  it('a deadline that has passed leaves the event as it was', async () => {
    const event: Event = {
      exception: {
        values: [
          { stacktrace: { frames: [{ filename: appTs, lineno: throwLine, in_app: true }] } },
        ],
      },
    };
    const before = structuredClone(event);
    await applySourceFrames(event, { root: coreRoot, deadline: Date.now() - 1 });
    expect(event).toEqual(before);
  });

  it("captureEvent's own objects are not changed", async () => {
    init({ dsn: sink.dsn, root: coreRoot });
    const frame = { filename: appTs, lineno: throwLine, in_app: true };
    const event: Event = {
      exception: { values: [{ type: 'E', stacktrace: { frames: [frame] } }] },
    };
    captureEvent(event);
    await flush(5000);
    expect(frame).toEqual({ filename: appTs, lineno: throwLine, in_app: true });
    const [sent] = sink.events() as Event[];
    expect(sent?.exception?.values?.[0]?.stacktrace?.frames?.[0]).toMatchObject({
      filename: 'test/fixtures/sourceFrames/app.ts',
      context_line: appLines[throwLine - 1],
    });
  });
});

describe('module names as @sentry/node computes them', () => {
  it.each([
    ['/app/src/routes/orders.ts', '/app', 'src.routes:orders.ts'],
    ['/app/dist/server.js', '/app', 'dist:server'],
    ['/app/server.mjs', '/app', 'server'],
    ['/app/node_modules/koa-compose/index.js', '/app', 'koa-compose:index'],
    [
      '/app/node_modules/.pnpm/a@1/node_modules/@koa/router/dist/index.mjs',
      '/',
      '@koa.router.dist:index',
    ],
    ['/elsewhere/lib/util.cjs', '/app', 'util'],
    ['/application/x.js', '/app', 'x'],
    ['/app/src/a%20b.js', '/app', 'src:a b'],
    ['C:\\app\\src\\orders.js', 'C:\\app', 'src:orders'],
  ])('%s (root %s) → %s', (path, root, expected) => {
    expect(moduleFromPath(path, root)).toBe(expected);
  });
});
