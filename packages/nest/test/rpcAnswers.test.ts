// What a microservice's callers receive does not change with @x: the same TCP microservice built
// with XModule (and XUserDeserializer) and without, called by a plain client and by one that
// carries the caller's user (`withUser`), answers every message alike — Nest's own
// `{ status: 'error', message: 'Internal server error' }` for an unexpected error, an
// RpcException's error as it is, the handler's value otherwise.
import type { ClientProxy } from '@nestjs/microservices';
import { recordingTransport } from '@x/test-kit/hostile';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, init, withIsolationScope, withUser } from '../src/index.js';
import { PROPAGATION_KEY, type Started, startMicroservice, tcpClient } from './rpcApp.js';

const recorder = recordingTransport();
let bare: Started;
let withX: Started;
const clients: ClientProxy[] = [];

beforeAll(async () => {
  init({
    dsn: 'http://k@127.0.0.1:9/1',
    transport: recorder.transport,
    sendClientReports: false,
    sendDefaultPii: true,
    propagationKey: PROPAGATION_KEY,
  });
  bare = await startMicroservice(undefined);
  withX = await startMicroservice({ initClient: false });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await bare?.close();
  await withX?.close();
  await close(500);
});

/** A connected client of `server`; `carrying` makes it send the caller's user. */
async function client(server: Started, carrying: boolean): Promise<ClientProxy> {
  const created = tcpClient(server.port);
  clients.push(created);
  await created.connect();
  return carrying ? withUser(created) : created;
}

type Answer = { value: unknown } | { error: unknown };

/** What the caller receives, sent from a request of user `u-1`. */
function ask(target: ClientProxy, pattern: unknown, data: unknown): Promise<Answer> {
  return withIsolationScope((scope) => {
    scope.setUserResolver(() => ({ id: 'u-1', email: 'u-1@example.com' }));
    return firstValueFrom(target.send(pattern, data)).then(
      (value: unknown) => ({ value }),
      (error: unknown) => ({ error }),
    );
  });
}

const MESSAGES: [string, unknown, unknown][] = [
  ['boom', { cmd: 'boom' }, { n: 1 }],
  ['an RpcException with a message', { cmd: 'rpcError' }, { error: 'nope' }],
  ['an RpcException with an object', { cmd: 'rpcError' }, { error: { code: 42, why: 'bad' } }],
  ['a valid DTO', { cmd: 'strict' }, { name: 'ada', count: 2 }],
  ['a DTO with a field too many', { cmd: 'strict' }, { name: 'ada', count: 2, admin: true }],
  ['a DTO of the wrong types', { cmd: 'strict' }, { name: 7, count: 'two' }],
  ['echo of an object', { cmd: 'echo' }, { a: [1, 'two', { three: null }] }],
  ['echo of a string', { cmd: 'echo' }, 'plain'],
  ['echo of a number', { cmd: 'echo' }, 0],
  ['a pattern without a handler', { cmd: 'missing' }, { n: 1 }],
  ['a guard that crashes', { cmd: 'guarded' }, { n: 1 }],
  ['a background handler', 'background', { who: 'job' }],
];

describe('rpc answers unchanged', () => {
  it.each(MESSAGES)('%s', async (_name, pattern, data) => {
    const expected = await ask(await client(bare, false), pattern, data);
    expect(await ask(await client(bare, true), pattern, data)).toEqual(expected);
    expect(await ask(await client(withX, false), pattern, data)).toEqual(expected);
    expect(await ask(await client(withX, true), pattern, data)).toEqual(expected);
  });

  it('Nest’s own answers: the generic error, the RpcException’s error, the handler’s value', async () => {
    const target = await client(withX, true);
    expect(await ask(target, { cmd: 'boom' }, { n: 1 })).toEqual({
      error: { status: 'error', message: 'Internal server error' },
    });
    expect(await ask(target, { cmd: 'rpcError' }, { error: 'nope' })).toEqual({
      error: { status: 'error', message: 'nope' },
    });
    expect(await ask(target, { cmd: 'strict' }, { name: 'ada', count: 2 })).toEqual({
      value: { name: 'ada', count: 2, isDto: false },
    });
    expect(await ask(target, { cmd: 'strict' }, { name: 'ada', count: 2, admin: true })).toEqual({
      error: { status: 'error', message: 'Internal server error' },
    });
  });

  it('whoami: the same shape, the user only where @x runs', async () => {
    const plain = await ask(await client(bare, true), { cmd: 'whoami' }, { n: 1 });
    const ours = await ask(await client(withX, true), { cmd: 'whoami' }, { n: 1 });
    expect(plain).toEqual({ value: { user: null } });
    expect(ours).toEqual({ value: { user: { id: 'u-1', email: 'u-1@example.com' } } });
  });

  it('events: emit completes alike, and a throwing event handler answers nothing', async () => {
    const results: unknown[] = [];
    for (const server of [bare, withX]) {
      for (const carrying of [false, true]) {
        const target = await client(server, carrying);
        results.push(
          await lastValueFrom(target.emit('order.paid', { who: 'e' }), { defaultValue: 'none' }),
        );
      }
    }
    expect(new Set(results).size).toBe(1);
  });

  it('what Nest refuses itself (no payload) fails alike', async () => {
    const plain = await client(bare, false);
    const ours = await client(withX, true);
    const refused = (target: ClientProxy) =>
      firstValueFrom(target.send({ cmd: 'echo' }, undefined)).catch((error: Error) => error.name);
    expect(await refused(ours)).toBe(await refused(plain));
  });
});
