import { readFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  getGlobalScope,
  getIsolationScope,
  getUser,
  getUserAsync,
  setUser,
  withIsolationScope,
  withScope,
} from '../src/node';
import { resetCarrier } from './helpers';

let port = 0;
const server = createServer((_req, res) => {
  setTimeout(() => res.end('ok'), Math.random() * 5);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(resetCarrier);

/** One of several kinds of real asynchronous work, picked at random. */
function randomAwait(): Promise<unknown> {
  switch (Math.floor(Math.random() * 5)) {
    case 0:
      return new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
    case 1:
      return Promise.resolve().then(() => undefined);
    case 2:
      return new Promise((resolve) => setImmediate(resolve));
    case 3:
      return readFile(new URL(import.meta.url));
    default:
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
  }
}

describe('request isolation', () => {
  it('1,000 overlapping tasks each see only their own user', async () => {
    const seen: string[][] = [];
    const tasks = Array.from({ length: 1000 }, (_, i) =>
      withIsolationScope(async (scope) => {
        const own = `user-${i}`;
        const reads: string[] = [];
        // Half set the user explicitly, half through a lazy resolver (like an adapter).
        if (i % 2 === 0) setUser({ id: own, username: `name-${i}` });
        else scope.setUserResolver(async () => ({ id: own, username: `name-${i}` }));
        for (let step = 0; step < 4; step++) {
          await randomAwait();
          const user = i % 2 === 0 ? getUser() : await getUserAsync();
          reads.push(String(user?.id));
          expect(user).toEqual({ id: own, username: `name-${i}` });
          // Nested forks inherit the request's user too.
          await withScope(async () => {
            await randomAwait();
            reads.push(String((await getUserAsync())?.id));
          });
        }
        seen[i] = reads;
      }),
    );
    await Promise.all(tasks);
    for (let i = 0; i < 1000; i++) {
      expect(seen[i]).toEqual(Array(8).fill(`user-${i}`));
    }
    expect(getGlobalScope().getUser()).toBeNull();
    expect(getGlobalScope().getUserResolver()).toBeUndefined();
    expect(getIsolationScope().getUser()).toBeNull();
    expect(getUser()).toBeNull();
  }, 60_000);

  it('errors thrown mid-flight do not leak a user into the next task', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        withIsolationScope(async () => {
          setUser({ id: `u${i}` });
          await randomAwait();
          if (i % 3 === 0) throw new Error(`fail ${i}`);
          return getUser()?.id;
        }),
      ),
    );
    results.forEach((result, i) => {
      if (i % 3 === 0) expect(result.status).toBe('rejected');
      else expect(result).toEqual({ status: 'fulfilled', value: `u${i}` });
    });
    expect(getUser()).toBeNull();
  }, 30_000);
});
