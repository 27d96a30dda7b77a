// What a gateway's clients receive must not change with XModule: the same acks, events,
// 'exception' messages, frames and closes, for errors, WsExceptions, guards, the app's own
// filters, garbage and a 10 MB frame — on socket.io and on the `ws` adapter.
import { recordingTransport } from '@x/test-kit/hostile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, flush, init } from '../src/index.js';
import { startWsApp, type WsPlatform, wsToken } from './wsApp.js';
import { frame, type Session, session, until } from './wsClients.js';

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
const recorder = recordingTransport();
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  init({ dsn: 'http://k@127.0.0.1:9/1', transport: recorder.transport, sendClientReports: false });
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await close(500);
});

const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

/** One message per step, the same on both platforms (socket.io: event and args; `ws`: a frame). */
function messages(platform: WsPlatform): unknown[][] {
  const m = (event: string, ...args: unknown[]) =>
    platform === 'ws' ? [frame(event, args[0])] : [event, ...args];
  return [
    m('boom', { a: 1 }),
    m('boom'),
    m('boom', 'text'),
    m('whoami'),
    m('wsException', {}),
    m('wsException', { object: true }),
    m('guarded', {}),
    m('guarded', { deny: true }),
    m('filtered', 1),
    m('nope', 1),
    ...(platform === 'ws'
      ? [
          ['{not json'],
          [''],
          ['null'],
          ['42'],
          ['{"data":1}'],
          ['{"event":"boom","data":'],
          [Buffer.from([0xff, 0x00, 0x13])],
          ['{"event":{"toString":1}}'],
        ]
      : [m('boom', 1, 2, 3), m('boom', null), m('whoami', Buffer.from([1, 2, 3]))]),
  ];
}

type Run = (platform: WsPlatform, url: string) => Promise<{ steps: unknown[]; sdk: unknown[] }>;

/** Every message of {@link messages}, one step each, on one connection of user `ua`. */
const everyMessage: Run = async (platform, url) => {
  const s = await session(platform, url, wsToken('ua'));
  for (const message of messages(platform)) {
    s.send(...message);
    await s.step();
  }
  return { steps: await s.end(), sdk: s.sdkUsers };
};

/** 10 MB frames (over socket.io's 1 MB default maxHttpBufferSize; under `ws`'s 100 MiB). */
const tenMegabytes: Run = async (platform, url) => {
  const s = await session(platform, url, wsToken('ub'));
  const send = (event: string) =>
    platform === 'ws' ? s.send(frame(event, TEN_MB)) : s.send(event, TEN_MB);
  send('boom');
  await s.step();
  send('whoami');
  await s.step();
  const steps = await s.end();
  // The server lives on: a new connection is answered.
  const next = await session(platform, url, wsToken('ub'));
  next.send(...(platform === 'ws' ? [frame('whoami')] : ['whoami']));
  await next.step();
  return { steps: [steps, await next.end()], sdk: [...s.sdkUsers, ...next.sdkUsers] };
};

/** A malformed packet (socket.io) or frame (`ws`), then a message on the same connection. */
const malformed: Run = async (platform, url) => {
  const s = await session(platform, url, wsToken('uc'));
  s.raw(platform === 'ws' ? '{"event":"whoami"' : '2["boom"');
  await s.step();
  if (!s.closed()) s.send(...(platform === 'ws' ? [frame('boom')] : ['boom']));
  await s.step();
  return { steps: await s.end(), sdk: s.sdkUsers };
};

/** No token, and a wrong one: the app's handshake refuses both. */
const refused: Run = async (platform, url) => {
  const steps: unknown[] = [];
  for (const token of [undefined, 'not-a-jwt']) {
    const s: Session = await session(platform, url, token);
    await until(() => s.closed(), 3000);
    steps.push(await s.end());
  }
  return { steps, sdk: [] };
};

describe.each(['socket.io', 'ws'] as WsPlatform[])('gateway answers on %s', (platform) => {
  let bare: Awaited<ReturnType<typeof startWsApp>>;
  let withX: Awaited<ReturnType<typeof startWsApp>>;
  beforeAll(async () => {
    bare = await startWsApp(platform, false);
    withX = await startWsApp(platform, true);
  });
  afterAll(() => Promise.all([bare.app.close(), withX.app.close()]));

  async function expectSame(run: Run) {
    const a = await run(platform, bare.url);
    const b = await run(platform, withX.url);
    expect(b.steps).toEqual(a.steps);
    return { bare: a, withX: b };
  }

  it('are identical with and without XModule for every message, garbage included', async () => {
    const { bare: a, withX: b } = await expectSame(everyMessage);
    // The one difference, by design: what the SDK sees as the user inside the handler.
    expect(a.sdk.length).toBeGreaterThan(0);
    expect(a.sdk).toEqual(a.sdk.map(() => null));
    expect(b.sdk).toEqual(
      a.sdk.map(() => expect.objectContaining({ id: 'ua', username: 'name-ua' })),
    );
    if (process.env.WS_PRINT) console.log(platform, JSON.stringify(a.steps, null, 1));
    // The exception messages themselves, as Nest sends them.
    const all = JSON.stringify(a.steps);
    expect(all).toContain('Internal server error');
    expect(all).toContain('Forbidden resource');
    expect(all).toContain('app-error');
  });

  it('are identical for 10 MB frames, and the server keeps answering', async () => {
    const { withX: b } = await expectSame(tenMegabytes);
    expect(b.sdk.at(-1)).toMatchObject({ id: 'ub' });
  });

  it('are identical for a malformed packet or frame', async () => {
    await expectSame(malformed);
  });

  it('are identical when the handshake refuses the connection', async () => {
    await expectSame(refused);
  });

  it('leave no unhandled rejection', async () => {
    expect(await flush(5000)).toBe(true);
    expect(rejections).toEqual([]);
  });
});
