import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export { startTestInbox, storedEvent, storedEvents } from '@x/test-kit/inbox';

/** Starts a Koa app on 127.0.0.1, port 0. */
export async function listen(
  app: Koa,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Sends one request per name at once, signed in as that name (`Bearer <name>`), every other one
 * to `/boom` and the rest to `/ok`; resolves once every answer was read and @x has flushed.
 */
export async function requestAsEach(
  app: Koa,
  names: readonly string[],
  flush: (timeoutMs: number) => Promise<boolean>,
): Promise<void> {
  const server = await listen(app);
  try {
    await Promise.all(
      names.map((name, i) =>
        fetch(`${server.url}/${i % 2 ? 'boom' : 'ok'}`, {
          headers: { authorization: `Bearer ${name}` },
        }).then((r) => r.arrayBuffer()),
      ),
    );
    await flush(5000);
  } finally {
    await server.close();
  }
}
