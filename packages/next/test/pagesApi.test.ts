import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { close, flush, registerX, withPagesApi } from '../src/index';
import { startTestInbox, storedEvents } from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(async () => {
  await close(2000);
  await inbox.dispose();
});

async function serve(trustProxy?: number) {
  registerX({
    dsn: inbox.dsn,
    sendDefaultPii: true,
    sendClientReports: false,
    trustProxy,
    getUser: (request) => {
      const id = request.headers.get('authorization')?.replace(/^Bearer /, '');
      return id ? { id, username: `name-${id}` } : null;
    },
  });
  const handler = withPagesApi(async (req: IncomingMessage, res: ServerResponse) => {
    await new Promise((r) => setTimeout(r, 2));
    if (req.url?.startsWith('/api/fail'))
      throw new Error(`pages api failed ${req.headers.authorization}`);
    res.end('ok');
  });
  const server = createServer((req, res) => {
    // Next's API resolver answers 500 for what the handler throws; stand in for it here.
    Promise.resolve(handler(req, res)).catch(() => {
      res.statusCode = 500;
      res.end('Internal Server Error');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

it('Pages API routes: the user, the socket address as IP (no header believed), capture once', async () => {
  const before = (await storedEvents(inbox)).length;
  const app = await serve();
  const res = await fetch(`${app.url}/api/fail`, {
    headers: { authorization: 'Bearer p1', 'x-forwarded-for': '6.6.6.6' },
  });
  expect(res.status).toBe(500);
  await app.close();
  expect(await flush(5000)).toBe(true);
  const events = (await storedEvents(inbox)).slice(before);
  expect(events.map((e) => [e.title, e.user_key])).toEqual([
    ['Error: pages api failed Bearer p1', 'id:p1'],
  ]);
  expect(events[0]?.user).toMatchObject({ id: 'p1', username: 'name-p1', ip_address: '127.0.0.1' });
});

it('Pages API routes under trustProxy: the entry the trusted proxy appended', async () => {
  const before = (await storedEvents(inbox)).length;
  const app = await serve(1);
  await fetch(`${app.url}/api/fail`, {
    headers: { authorization: 'Bearer p2', 'x-forwarded-for': '6.6.6.6, 203.0.113.77' },
  });
  await app.close();
  expect(await flush(5000)).toBe(true);
  const [event] = (await storedEvents(inbox)).slice(before);
  expect(event?.user).toMatchObject({ id: 'p2', ip_address: '203.0.113.77' });
});
