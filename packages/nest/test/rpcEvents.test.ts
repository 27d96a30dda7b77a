// What @x reports from microservice handlers: an Express route, called with a Bearer token, calls a
// TCP microservice through `withUser`; the handler's events carry the route's user — signed,
// beside the payload, never inside it — with the transaction `rpc <pattern>` and no request.
// A forged, foreign or unsigned user field gives no user; overlapping calls never mix users.
import { createHmac, randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { type RecordedEvent, recordingTransport } from '@x/test-kit/hostile';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ClientOptions,
  close,
  flush,
  init,
  withIsolationScope,
  withUser,
} from '../src/index.js';
import {
  bearer,
  PROPAGATION_KEY,
  type Started,
  seenData,
  startCaller,
  startHybrid,
  startMicroservice,
  tcpClient,
} from './rpcApp.js';

const recorder = recordingTransport();
const OPTIONS: ClientOptions = {
  dsn: 'http://k@127.0.0.1:9/1',
  transport: recorder.transport,
  sendClientReports: false,
  propagationKey: PROPAGATION_KEY,
};
const PSEUDONYM_KEY = 'rpc-test-pseudonym-key-0123456789';

let microservice: Started;
let caller: { app: INestApplication; url: string };
beforeAll(async () => {
  microservice = await startMicroservice({ initClient: false });
  caller = await startCaller(microservice.port, { initClient: false });
});
afterAll(async () => {
  await caller?.app.close();
  await microservice?.close();
  await close(500);
});
beforeEach(() => {
  recorder.bodies.length = 0;
  seenData.length = 0;
});

async function events(): Promise<RecordedEvent[]> {
  expect(await flush(5000)).toBe(true);
  return recorder.events();
}

const errorValue = (event: RecordedEvent | undefined) =>
  (event?.exception as { values?: { value?: string }[] } | undefined)?.values?.[0]?.value;

/** Calls the HTTP route `path` as user `name` (anonymous without one); returns its JSON. */
async function call(path: string, name?: string): Promise<unknown> {
  const res = await fetch(`${caller.url}/rpc/${path}`, { headers: name ? bearer(name) : {} });
  expect(res.status).toBe(200);
  return res.json();
}

const pseudonym = (field: string, value: string) =>
  `px_${createHmac('sha256', PSEUDONYM_KEY).update(`${field}:${value}`).digest('hex').slice(0, 32)}`;

describe('rpc events', () => {
  beforeAll(() => init({ ...OPTIONS, sendDefaultPii: true }));

  it('boom: one event with the HTTP caller’s user, transaction `rpc {"cmd":"boom"}`, no request', async () => {
    expect(await call('boom?who=ada', 'ada')).toEqual({
      error: { status: 'error', message: 'Internal server error' },
    });
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(errorValue(event)).toBe('boom ada');
    expect(event?.user).toEqual({
      id: 'u-ada',
      username: 'name-ada',
      email: 'ada@example.com',
      ip_address: '127.0.0.1',
    });
    expect(event?.transaction).toBe('rpc {"cmd":"boom"}');
    expect(event?.request).toBeUndefined();
    expect(JSON.stringify(event?.exception)).toContain('"type":"nestjs.rpc"');
    // The handler's data is what the route sent: the user travelled beside it.
    expect(seenData).toEqual([{ who: 'ada' }]);
  });

  it('an event handler that throws, a background handler and a relayed message keep the user', async () => {
    await call('event/order.paid?who=bo', 'bo');
    await call('background?who=bo', 'bo');
    await call('relay?who=bo', 'bo');
    const sent = await events();
    expect(sent.map(errorValue).sort()).toEqual([
      'Non-Error thrown: {"status":"error","message":"Internal server error"}', // the relay's answer
      'background bo',
      'boom relayed bo',
      'paid bo',
    ]);
    const byError = Object.fromEntries(sent.map((e) => [errorValue(e), e]));
    expect(byError['paid bo']?.user?.id).toBe('u-bo');
    expect(byError['paid bo']?.transaction).toBe('rpc order.paid');
    expect(byError['background bo']?.user?.id).toBe('u-bo');
    expect(byError['background bo']?.tags).toEqual({ job: 'rpc' });
    expect(byError['boom relayed bo']?.user?.id).toBe('u-bo');
    expect(seenData).toContainEqual({ who: 'bo' });
  });

  it('a guard’s crash: captured by the filter in a unit of its own, with the caller’s user', async () => {
    expect(await call('guarded?who=gi', 'gi')).toEqual({
      error: { status: 'error', message: 'Internal server error' },
    });
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(errorValue(event)).toBe('guard crashed');
    expect(event?.user?.id).toBe('u-gi');
    expect(event?.transaction).toBe('rpc {"cmd":"guarded"}');
  });

  it('an anonymous caller: only what its own events would carry (its IP, with sendDefaultPii)', async () => {
    await call('boom?who=anon');
    const [event] = await events();
    expect(errorValue(event)).toBe('boom anon');
    expect(event?.user).toEqual({ ip_address: '127.0.0.1' });
  });

  it('a forged, foreign or unsigned x_user gives no user, never the claimed one', async () => {
    const sign = (key: string, user: object) => {
      const payload = Buffer.from(JSON.stringify(user)).toString('base64url');
      const mac = createHmac('sha256', key).update(`@x/user-propagation\nx1.${payload}`);
      return `x1.${payload}.${mac.digest('base64url')}`;
    };
    const forged: [string, unknown][] = [
      [
        'random',
        `x1.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
      ],
      ['another key', sign('another-propagation-key-0123456789abcdef', { id: 'admin' })],
      ['a plain object', { id: 'admin' }],
      ['a plain string', 'admin'],
      ['signed with the key', sign(PROPAGATION_KEY, { id: 'u-signed' })],
    ];
    for (const [who, x_user] of forged) {
      const client = tcpClient(microservice.port, {
        serialize: (packet) => ({ ...(packet as object), x_user }),
      });
      await firstValueFrom(client.send({ cmd: 'boom' }, { who })).catch(() => undefined);
      await client.close();
    }
    const users = Object.fromEntries((await events()).map((e) => [errorValue(e), e.user]));
    expect(users).toEqual({
      'boom random': undefined,
      'boom another key': undefined,
      'boom a plain object': undefined,
      'boom a plain string': undefined,
      'boom signed with the key': { id: 'u-signed' },
    });
    expect(seenData.every((data) => !JSON.stringify(data).includes('x_user'))).toBe(true);
  });

  it('overlapping calls from three users: no event carries another caller’s user', async () => {
    const total = process.env.X_PACKED_SKIP ? 60 : 300;
    const names = ['ann', 'ben', 'cid'];
    await Promise.all(
      Array.from({ length: total }, (_, i) => {
        const name = names[i % names.length] as string;
        return call(`boom?who=${name}`, name);
      }),
    );
    const sent = await events();
    expect(sent).toHaveLength(total);
    const foreign = sent.filter((e) => errorValue(e) !== `boom ${String(e.user?.id).slice(2)}`);
    expect(foreign).toEqual([]);
  });
});

describe('rpc events of a hybrid app (no global filter on its microservice)', () => {
  let hybrid: Started;
  beforeAll(async () => {
    init({ ...OPTIONS, sendDefaultPii: true });
    hybrid = await startHybrid({ initClient: false });
  });
  afterAll(() => hybrid?.close());

  it('the interceptor captures with the caller’s user; the answer is Nest’s', async () => {
    const client = withUser(tcpClient(hybrid.port));
    const answer = await withIsolationScope((scope) => {
      scope.setUserResolver(() => ({ id: 'u-hy' }));
      return firstValueFrom(client.send({ cmd: 'boom' }, { who: 'hy' })).catch((e: unknown) => e);
    });
    await client.close();
    expect(answer).toEqual({ status: 'error', message: 'Internal server error' });
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(errorValue(event)).toBe('boom hy');
    expect(event?.user).toEqual({ id: 'u-hy' });
    expect(event?.transaction).toBe('rpc {"cmd":"boom"}');
  });
});

describe('rpc events under pseudonymizeUsers and without sendDefaultPii', () => {
  beforeAll(() => init({ ...OPTIONS, pseudonymizeUsers: { key: PSEUDONYM_KEY } }));

  it('the sender’s pseudonyms, not pseudonymized again by the handler, nor when relayed', async () => {
    await call('boom?who=cy', 'cy');
    await call('relay?who=cy', 'cy');
    const users = Object.fromEntries((await events()).map((e) => [errorValue(e), e.user]));
    const cy = { id: pseudonym('id', 'u-cy'), username: pseudonym('username', 'name-cy') };
    expect(users['boom cy']).toEqual(cy);
    expect(users['boom relayed cy']).toEqual(cy);
  });

  it('whoami in a handler: the travelled user, as the SDK sees it', async () => {
    const answer = await withIsolationScope(async () => {
      const client: ClientProxy = tcpClient(microservice.port);
      try {
        return await firstValueFrom(client.send({ cmd: 'whoami' }, { n: 1 }));
      } finally {
        await client.close();
      }
    });
    expect(answer).toEqual({ user: null });
    expect(await call('whoami', 'di')).toEqual({
      value: { user: { id: pseudonym('id', 'u-di'), username: pseudonym('username', 'name-di') } },
    });
  });
});
