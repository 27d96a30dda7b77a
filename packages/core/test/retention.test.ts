// A unit of work's scopes (and what they reference: its request, its socket) must not outlive it
// because @x cached something it computed while capturing one of its errors.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { captureException, flush, init, withIsolationScope } from '../src/node';
import { clearSourceFrameCaches } from '../src/sourceFrames';
import { useSharedSink } from './sink';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sink = useSharedSink(500);

it('a capture keeps no unit alive: delivery and the frame caches run outside it', async () => {
  clearSourceFrameCaches();
  init({ dsn: sink.dsn, sendClientReports: false });
  const refs: WeakRef<object>[] = [];
  await (async () => {
    await withIsolationScope(async (scope) => {
      const request = { socket: new Array(1000).fill('held') };
      scope.setContext('unit', { n: 1 });
      (scope as unknown as { request: unknown }).request = request;
      refs.push(new WeakRef(scope), new WeakRef(request));
      // The first capture reading this file fills the caches.
      if (process.env.NO_CAPTURE !== '1') captureException(new Error('fills the caches'));
      await flush(2000);
    });
  })();
  expect(sink.events()).toHaveLength(process.env.NO_CAPTURE === '1' ? 0 : 1);
  for (let i = 0; i < 10 && refs.some((r) => r.deref()); i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
  expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
});

it('a finished response lets its keep-alive connection go of the request until the next one', async () => {
  const { createServer, Agent, get } = await import('node:http');
  const { runRequest } = await import('../src/requestKernel');
  const refs: WeakRef<object>[] = [];
  let finished!: Promise<unknown>;
  const server = createServer((req, res) => {
    // Node caches the Date header for up to a second behind a timer armed by whichever response
    // filled the cache, in that response's async context: one request per second, kept by Node
    // whatever the SDK does. Without the header, the only timer left is the keep-alive one.
    res.sendDate = false;
    finished = new Promise((resolve) => res.once('finish', () => setImmediate(resolve)));
    runRequest({ method: req.method, url: req.url, headers: req.headers, response: res }, (s) => {
      refs.push(new WeakRef(s.isolationScope), new WeakRef(req));
      // Work the response does inside the request: the body is written a turn later.
      setImmediate(() => res.end('ok'));
    });
  });
  server.keepAliveTimeout = 2500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      get({ port, host: '127.0.0.1', agent }, (res) => {
        const s = res.socket;
        res.resume();
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    await finished;
    for (let i = 0; i < 10 && refs.some((r) => r.deref()); i++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    // The connection is still open (idle, kept alive), and no longer holds the request.
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
    expect(socket.destroyed).toBe(false);
    // Its idle timer still runs: the server closes the connection after keepAliveTimeout.
    await new Promise((resolve) => socket.once('close', resolve));
  } finally {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
