import { describe, expect, it } from 'vitest';
import {
  flush,
  getEventUser,
  getUser,
  init,
  mapAuthUser,
  setUser,
  withBackgroundScope,
  withIsolationScope,
} from '../src/node';
import { useSharedSink } from './sink';

const sink = useSharedSink(500);

describe('mapAuthUser', () => {
  it('maps the usual auth user shapes', () => {
    expect(mapAuthUser({ id: 7, username: 'ada', email: 'ada@x.dev', role: 'admin' })).toEqual({
      id: 7,
      username: 'ada',
      email: 'ada@x.dev',
    });
    expect(mapAuthUser({ sub: 'auth0|1', name: 'Ada L', email: 'a@x.dev', iat: 1 })).toEqual({
      id: 'auth0|1',
      username: 'Ada L',
      email: 'a@x.dev',
    });
    expect(
      mapAuthUser({ _id: { toString: () => '65f0c0ffee' }, preferred_username: 'ada' }),
    ).toEqual({
      id: '65f0c0ffee',
      username: 'ada',
    });
    expect(mapAuthUser({ role: 'admin' })).toBeNull();
    expect(mapAuthUser('token')).toBeNull();
    expect(mapAuthUser(undefined)).toBeNull();
  });

  it('maps Auth.js v5 and next-auth v4 sessions by the user inside, JWTs by their claims', () => {
    // auth() / getServerSession(): { user, expires }
    expect(
      mapAuthUser({
        user: { id: 'u1', name: 'Ada', email: 'ada@x.dev', image: null },
        expires: 'x',
      }),
    ).toEqual({ id: 'u1', username: 'Ada', email: 'ada@x.dev' });
    expect(mapAuthUser({ user: { name: 'Ada', email: 'ada@x.dev' }, expires: 'x' })).toEqual({
      username: 'Ada',
      email: 'ada@x.dev',
    });
    // getToken(): the JWT's claims
    expect(mapAuthUser({ sub: 'u1', name: 'Ada', email: 'ada@x.dev', picture: null })).toEqual({
      id: 'u1',
      username: 'Ada',
      email: 'ada@x.dev',
    });
    // An object with an identity of its own is the user, even with a `user` field.
    expect(mapAuthUser({ id: 'owner', user: { id: 'other' } })).toEqual({ id: 'owner' });
    // One precedence: id, sub, _id; username, preferred_username, name.
    expect(mapAuthUser({ sub: 's', id: 'i', name: 'n', username: 'u' })).toEqual({
      id: 'i',
      username: 'u',
    });
    expect(mapAuthUser({ user: null, expires: 'x' })).toBeNull();
    expect(mapAuthUser({ email: 42 })).toBeNull();
  });

  it('never throws', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('x');
        },
      },
    );
    expect(mapAuthUser(hostile)).toBeNull();
  });
});

describe('withBackgroundScope', () => {
  it('starts empty: a job started from a request never sees its user, and sets nothing back', async () => {
    await withIsolationScope(async () => {
      setUser({ id: 'request-user' });
      const seen = await withBackgroundScope(async () => {
        await new Promise((r) => setTimeout(r, 5));
        const before = getUser();
        setUser({ id: 'job-user' });
        return [before, getUser()];
      });
      expect(seen).toEqual([null, { id: 'job-user' }]);
      expect(getUser()).toEqual({ id: 'request-user' });
    });
  });

  it('takes a user and captures what it throws, then rethrows', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    await expect(
      withBackgroundScope(
        async () => {
          await Promise.resolve();
          throw new Error('job failed');
        },
        { user: { id: 'owner' }, tags: { job: 'invoice' } },
      ),
    ).rejects.toThrow('job failed');
    expect(() =>
      withBackgroundScope(() => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    await flush(2000);
    const events = sink.events();
    expect(
      events.map((e) => [
        e.user,
        e.tags,
        (e.exception as { values: { mechanism: unknown }[] }).values[0]?.mechanism,
      ]),
    ).toEqual([
      [{ id: 'owner' }, { job: 'invoice' }, { type: 'background', handled: false }],
      [undefined, undefined, { type: 'background', handled: false }],
    ]);
  });
});

describe('getEventUser', () => {
  const request = { method: 'GET', url: '/', headers: {}, clientIp: () => '198.51.100.7' };

  it('is the user exactly as it would be sent: privacy rules included', async () => {
    init({ dsn: sink.dsn });
    await withIsolationScope(async (scope) => {
      scope.setRequest(request);
      expect(await getEventUser()).toBeNull();
      scope.setUserResolver(() => ({ id: 'u1', email: 'u1@x.dev' }));
      expect(await getEventUser()).toEqual({ id: 'u1' });
    });
    init({ dsn: sink.dsn, sendDefaultPii: true, ipAnonymization: 'truncate' });
    await withIsolationScope(async (scope) => {
      scope.setRequest(request);
      expect(await getEventUser()).toEqual({ ip_address: '198.51.100.0' });
      scope.setUserResolver(() => ({ id: 'u1', email: 'u1@x.dev' }));
      expect(await getEventUser()).toEqual({
        id: 'u1',
        email: 'u1@x.dev',
        ip_address: '198.51.100.0',
      });
    });
  });

  it('works before init, as a default client would', async () => {
    await withIsolationScope(async (scope) => {
      scope.setRequest(request);
      scope.setUserResolver(() => ({ id: 'u2', email: 'hidden@x.dev' }));
      expect(await getEventUser()).toEqual({ id: 'u2' });
    });
  });
});
