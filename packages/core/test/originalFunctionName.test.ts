// Function names from source maps: an anonymous function that a bundle binds to a name (Next's
// `export const GET = withUser(async () => …)`, built as `const p=s(async r=>{…})`) is named from
// the map — its `names` entry at the binding when minified, the binding itself when not — and a
// callback of a method call stays anonymous. Real esbuild output (fixtures/routeHandler/built,
// rebuilt by its build.mjs), the real capture path and a real sink.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackFrame } from '../src/event';
import { captureException, type Event, flush, init } from '../src/node';
import { clearSourceFrameCaches } from '../src/sourceFrames';
import { useSharedSink } from './sink';

const sink = useSharedSink();
const requireNative = createRequire(__filename);
const fixtures = join(__dirname, 'fixtures', 'routeHandler');
const coreRoot = join(__dirname, '..');
const source = readFileSync(join(fixtures, 'route.ts'), 'utf8').split('\n');
const lineOf = (marker: string) => source.findIndex((line) => line.includes(marker)) + 1;

interface Route {
  GET(request: { url: string }): Promise<string>;
  eachItem(items: number[]): unknown;
}

async function rejection(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

async function framesOf(error: Error): Promise<StackFrame[]> {
  sink.received.length = 0;
  init({ dsn: sink.dsn, root: coreRoot });
  captureException(error);
  expect(await flush(5000)).toBe(true);
  const [event] = sink.events() as Event[];
  return event?.exception?.values?.at(-1)?.stacktrace?.frames ?? [];
}

describe('an anonymous function bound to a name is named from the source map', () => {
  for (const build of ['minified', 'linked']) {
    it(`${build}.cjs: the route handler's frame reads GET`, async () => {
      clearSourceFrameCaches();
      const route = requireNative(join(fixtures, 'built', `${build}.cjs`)) as Route;
      const error = await rejection(() => route.GET({ url: 'http://app/boom' }));
      // V8 has no name for the handler: the stack line names no function.
      expect(error.stack?.split('\n')[1]).toMatch(/^\s+at (async )?\/.*\.cjs:\d+:\d+\)?$/);
      const frames = (await framesOf(error)).filter((f) => f.filename?.endsWith('route.ts'));
      expect(frames.at(-1)).toMatchObject({
        filename: 'test/fixtures/routeHandler/route.ts',
        function: 'GET',
        lineno: lineOf('// THROW'),
      });
    });
  }

  it("a method call's callback is not named after the binding around the call", async () => {
    clearSourceFrameCaches();
    const route = requireNative(join(fixtures, 'built', 'minified.cjs')) as Route;
    const error = await rejection(async () => route.eachItem([1]));
    const frames = (await framesOf(error)).filter((f) => f.filename?.endsWith('route.ts'));
    expect(frames.at(-1)).toMatchObject({ lineno: lineOf('// CALLBACK'), function: '?' });
  });
});
