import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createStackStrategy,
  getAsyncContextStrategy,
  setAsyncContextStrategy,
} from '../src/asyncContext';
import { getCarrier } from '../src/carrier';
import { setUser, withIsolationScope } from '../src/currentScopes';
import { getUser } from '../src/sdk';
import { resetCarrier } from './helpers';

beforeEach(resetCarrier);

describe('async-context strategies', () => {
  it('the main entry finds Node’s AsyncLocalStorage without a static import (bundlers may load it on Node)', async () => {
    const carrier = getCarrier();
    const saved = carrier.strategy;
    carrier.strategy = undefined;
    try {
      expect((globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage).toBeUndefined();
      expect(getAsyncContextStrategy().name).toBe('async-local-storage');
      // Concurrent requests keep their own users (the stack would mix them up here).
      const seen = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          withIsolationScope(async () => {
            setUser({ id: `u${i}` });
            await new Promise((r) => setTimeout(r, (i * 7) % 11));
            return getUser()?.id;
          }),
        ),
      );
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `u${i}`));
    } finally {
      carrier.strategy = saved;
    }
  });

  it('without any AsyncLocalStorage it falls back to the stack, and a server is warned', () => {
    const carrier = getCarrier();
    const saved = carrier.strategy;
    const proc = process as { getBuiltinModule?: unknown };
    const getBuiltinModule = proc.getBuiltinModule;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    carrier.strategy = undefined;
    proc.getBuiltinModule = undefined;
    try {
      expect(getAsyncContextStrategy().name).toBe('stack');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('request isolation is off'));
      withIsolationScope(() => {
        setUser({ id: 'inside' });
        expect(getUser()).toEqual({ id: 'inside' });
      });
      expect(getUser()).toBeNull();
    } finally {
      proc.getBuiltinModule = getBuiltinModule;
      carrier.strategy = saved;
      warn.mockRestore();
    }
  });

  it('the main entry uses a global AsyncLocalStorage (edge runtimes)', async () => {
    const carrier = getCarrier();
    const saved = carrier.strategy;
    const { AsyncLocalStorage } = await import('node:async_hooks');
    (globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage = AsyncLocalStorage;
    carrier.strategy = undefined;
    try {
      expect(getAsyncContextStrategy().name).toBe('async-local-storage');
    } finally {
      delete (globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage;
      carrier.strategy = saved;
    }
  });

  it('the stack strategy pops after a promise settles', async () => {
    const saved = getCarrier().strategy;
    setAsyncContextStrategy(createStackStrategy());
    try {
      const done = withIsolationScope(async () => {
        setUser({ id: 'async' });
        await Promise.resolve();
        return getUser();
      });
      await expect(done).resolves.toEqual({ id: 'async' });
      expect(getUser()).toBeNull();
      expect(() =>
        withIsolationScope(() => {
          throw new Error('x');
        }),
      ).toThrow('x');
      expect(getAsyncContextStrategy().getScopes()).toBeUndefined();
    } finally {
      setAsyncContextStrategy(saved);
    }
  });
});

// Two copies of the built package (as with two versions in node_modules, or the
// ESM and the CJS build loaded side by side) must share one set of scopes.
describe('two copies of @x/core', () => {
  const root = join(__dirname, '..', '.test-copies');
  beforeAll(() => {
    rmSync(root, { recursive: true, force: true });
    for (const copy of ['a', 'b']) {
      mkdirSync(join(root, copy), { recursive: true });
      cpSync(join(__dirname, '..', 'dist'), join(root, copy), { recursive: true });
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('share the isolation scope across ESM copies and the CJS build', async () => {
    type Api = typeof import('../src/index');
    const a: Api = await import(pathToFileURL(join(root, 'a', 'node.js')).href);
    const b: Api = await import(pathToFileURL(join(root, 'b', 'node.js')).href);
    const c: Api = createRequire(__filename)(join(root, 'b', 'node.cjs'));
    expect(a.setUser).not.toBe(b.setUser);
    await a.withIsolationScope(async () => {
      a.setUser({ id: 'shared' });
      await new Promise((r) => setTimeout(r, 1));
      expect(b.getUser()).toEqual({ id: 'shared' });
      expect(c.getUser()).toEqual({ id: 'shared' });
      await b.withIsolationScope(async () => {
        c.setUser({ id: 'inner' });
        await Promise.resolve();
        expect(a.getUser()).toEqual({ id: 'inner' });
      });
      expect(c.getUser()).toEqual({ id: 'shared' });
    });
    expect(b.getUser()).toBeNull();
    expect(a.getGlobalScope()).toBe(c.getGlobalScope());
  });
});
