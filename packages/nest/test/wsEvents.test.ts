// What @x reports from gateway messages: each message in its own isolation scope with its
// connection's user and the transaction `ws <pattern>`; errors once; WsExceptions not; no user of
// another socket under interleaving; nothing of a socket kept after it disconnected.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type RecordedEvent, recordingTransport } from '@x/test-kit/hostile';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { close, flush, init } from '../src/index.js';
import { startWsApp, type WorkOrder, type WsPlatform, wsToken } from './wsApp.js';
import { frame, type Session, session, until } from './wsClients.js';

const recorder = recordingTransport();
beforeAll(() => {
  init({
    dsn: 'http://k@127.0.0.1:9/1',
    transport: recorder.transport,
    sendClientReports: false,
    sendDefaultPii: true,
  });
});
afterAll(() => close(500));
beforeEach(() => {
  recorder.bodies.length = 0;
});

async function events(): Promise<RecordedEvent[]> {
  expect(await flush(5000)).toBe(true);
  return recorder.events();
}

const errorValue = (event: RecordedEvent) =>
  (event.exception as { values?: { value?: string }[] } | undefined)?.values?.[0]?.value;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe.each(['socket.io', 'ws'] as WsPlatform[])('gateway events on %s', (platform) => {
  let server: Awaited<ReturnType<typeof startWsApp>>;
  beforeAll(async () => {
    server = await startWsApp(platform, true);
  });
  afterAll(() => server.app.close());

  const send = (s: Session, event: string, data?: unknown) =>
    platform === 'ws' ? s.send(frame(event, data)) : s.send(event, data);

  it('boom: one event with the socket’s user, transaction `ws boom`, no request', async () => {
    const s = await session(platform, server.url, wsToken('ua'));
    send(s, 'boom', { a: 1 });
    await s.step();
    await s.end();
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(errorValue(event as RecordedEvent)).toBe('boom');
    expect(event?.user).toMatchObject({ id: 'ua', username: 'name-ua', email: 'ua@example.com' });
    expect(event?.transaction).toBe('ws boom');
    expect(event?.request).toBeUndefined();
    expect(JSON.stringify(event?.exception)).toContain('"type":"nestjs.ws"');
  });

  it('a guard’s error is captured with the user; WsExceptions (a denying guard too) are not', async () => {
    const s = await session(platform, server.url, wsToken('ub'));
    for (const [event, data] of [
      ['guarded', {}],
      ['guarded', { deny: true }],
      ['wsException', {}],
      ['wsException', { object: true }],
      ['filtered', 1],
    ] as const) {
      send(s, event, data);
      await s.step();
    }
    await s.end();
    const sent = await events();
    expect(sent.map((e) => [errorValue(e), e.transaction, e.user?.id])).toEqual([
      ['guard broke', 'ws guarded', 'ub'],
      // The app's own filter answered; @x captured it once all the same.
      ['filtered', 'ws filtered', 'ub'],
    ]);
  });

  it('interleaved messages of two users: no event and no answer with the other’s user', async () => {
    const total = process.env.X_PACKED_SKIP ? 100 : 600;
    const users = ['alice', 'bob'] as const;
    const sessions = await Promise.all(
      users.map((user) => session(platform, server.url, wsToken(user))),
    );
    const sender = new Map<number, string>();
    for (let n = 0; n < total; n++) {
      const index = Math.floor(Math.random() * 2);
      sender.set(n, users[index] as string);
      const order: WorkOrder = { n, delay: Math.floor(Math.random() * 15), fail: n % 2 === 0 };
      send(sessions[index] as Session, 'work', order);
    }
    const answered = () => sessions.reduce((sum, s) => sum + s.sdkUsers.length, 0);
    expect(await until(() => answered() === total / 2, 20_000)).toBe(true);
    await Promise.all(sessions.map((s) => s.step()));
    await Promise.all(sessions.map((s) => s.end()));
    // Answers: each carries the SDK's user inside the handler, which must be the sender's.
    sessions.forEach((s, index) => {
      for (const user of s.sdkUsers) expect(user).toMatchObject({ id: users[index] });
    });
    const failed = (await events()).map((e) => ({
      n: Number(errorValue(e)?.replace('fail ', '')),
      user: e.user?.id,
    }));
    expect(failed).toHaveLength(total / 2);
    expect(failed.filter(({ n, user }) => sender.get(n) !== user)).toEqual([]);
  }, 60_000);

  /** Messages that throw, answer and stay in flight, on a connection that then goes away. */
  async function busyConnection(user: string): Promise<void> {
    const s = await session(platform, server.url, wsToken(user));
    for (const event of ['boom', 'whoami', 'guarded', 'work']) {
      send(s, event, { n: -1, delay: 0, fail: true });
    }
    // One more message still in flight when the client goes away.
    send(s, 'work', { n: -2, delay: 300, fail: true });
    await s.step();
    await s.end();
    // The in-flight message's error comes after its client left: Nest drops it, and so does @x.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await events()).map(errorValue).sort()).toEqual(['boom', 'fail -1', 'guard broke']);
  }

  it('after a disconnect, nothing of that socket is kept', async () => {
    // Core's per-file caches of source maps and source lines hold promises made in the async
    // context of the capture that first read each file (AsyncLocalStorage keeps its store on
    // them): a first connection fills them with the same errors, so what is measured below is
    // what @x keeps per socket.
    await busyConnection('warm-up');
    recorder.bodies.length = 0;
    const index = server.probe.connections;
    await busyConnection('uc');
    // Nest's gateway keeps the latest connection (its connection stream's distinctUntilChanged)
    // until the next one: another client comes and goes.
    const next = await session(platform, server.url, wsToken('ud'));
    await next.step();
    await next.end();
    expect(server.probe.connections).toBe(index + 2);
    const collected = await until(() => {
      gc();
      return server.probe.collected.has(index);
    }, 10_000);
    expect(collected).toBe(true);
  });
});
