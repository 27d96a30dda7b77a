import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setDebug } from '../src/debug';
import {
  close,
  getCurrentScope,
  getGlobalScope,
  getIsolationScope,
  getUser,
  getUserAsync,
  hasIdentity,
  init,
  Scope,
  setContext,
  setExtra,
  setTag,
  setTags,
  setUser,
  userKey,
  withIsolationScope,
  withScope,
} from '../src/node';
import { resetCarrier } from './helpers';

beforeEach(resetCarrier);
afterEach(async () => {
  vi.restoreAllMocks();
  await close(100);
});

describe('setUser / getUser', () => {
  it('sets the user on the isolation scope, normalized', () => {
    withIsolationScope(() => {
      setUser({ id: 7, email: 'a@x.io', plan: 'pro' });
      expect(getIsolationScope().getUser()).toEqual({ id: '7', email: 'a@x.io', plan: 'pro' });
      expect(getCurrentScope().getUser()).toBeNull();
      expect(getUser()).toEqual({ id: '7', email: 'a@x.io', plan: 'pro' });
    });
  });

  it('replaces the previous user, and null clears it', () => {
    withIsolationScope(() => {
      setUser({ id: '1', email: 'one@x.io' });
      setUser({ id: '2' });
      expect(getUser()).toEqual({ id: '2' });
      setUser(null);
      expect(getUser()).toBeNull();
    });
  });

  it('snapshots the object: later mutation does not leak in', () => {
    withIsolationScope(() => {
      const user = { id: 'a' };
      setUser(user);
      user.id = 'b';
      expect(getUser()).toEqual({ id: 'a' });
    });
  });

  it('drops invalid values with a debug warning, never throwing', () => {
    setDebug(true);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    withIsolationScope(() => {
      expect(() => setUser({ id: 'a', ip_address: 'nope' } as never)).not.toThrow();
      expect(getUser()).toEqual({ id: 'a' });
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('[@x] setUser: dropped invalid user values');
  });

  it('stays silent without debug', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    withIsolationScope(() => setUser({ ip_address: 'nope' }));
    expect(warn).not.toHaveBeenCalled();
  });

  it('merges global < isolation < current per field', () => {
    getGlobalScope().setUser({ id: 'global', plan: 'free', region: 'eu' });
    withIsolationScope(() => {
      setUser({ id: 'iso', plan: 'pro' });
      withScope((scope) => {
        scope.setUser({ plan: 'enterprise' });
        expect(getUser()).toEqual({ id: 'iso', plan: 'enterprise', region: 'eu' });
      });
      expect(getUser()).toEqual({ id: 'iso', plan: 'pro', region: 'eu' });
    });
    expect(getUser()).toEqual({ id: 'global', plan: 'free', region: 'eu' });
  });
});

describe('user resolver', () => {
  it('is called lazily, each time the user is read', () => {
    const auth: { user?: { id: string } } = {};
    const resolver = vi.fn(() => auth.user);
    withIsolationScope((scope) => {
      scope.setUserResolver(resolver);
      expect(resolver).not.toHaveBeenCalled();
      expect(getUser()).toBeNull();
      auth.user = { id: 'late-login' }; // auth middleware ran after ours
      expect(getUser()).toEqual({ id: 'late-login' });
      expect(resolver).toHaveBeenCalledTimes(2);
    });
  });

  it('setUser replaces the resolver’s default user completely: identities never mix', () => {
    withIsolationScope((scope) => {
      scope.setUserResolver(() => ({ id: 'auth-id', username: 'auth', plan: 'free' }));
      expect(getUser()).toEqual({ id: 'auth-id', username: 'auth', plan: 'free' });
      setUser({ email: 'explicit@x.io', ip_address: null });
      // Nothing of the login user is left; `ip_address: null` = no IP on the event.
      expect(getUser()).toEqual({ email: 'explicit@x.io' });
      setUser({ id: 'u2', plan: 'gold' });
      expect(getUser()).toEqual({ id: 'u2', plan: 'gold' });
    });
  });

  it('setUser(null) clears the scope’s user, the resolver’s default included', () => {
    withIsolationScope((scope) => {
      scope.setUserResolver(() => ({ id: 'auth' }));
      setUser({ id: 'explicit' });
      setUser(null);
      expect(getUser()).toBeNull();
    });
    // The next request (a fresh isolation scope) gets its default user again.
    withIsolationScope((next) => {
      next.setUserResolver(() => ({ id: 'auth' }));
      expect(getUser()).toEqual({ id: 'auth' });
    });
  });

  it('a null user blanks id, username, email and IP of the scopes below it, as Sentry does', () => {
    getGlobalScope().setUser({ id: 'g', username: 'gu', segment: 'b2b', geo: { city: 'Oslo' } });
    withIsolationScope(() => {
      expect(getUser()).toEqual({ id: 'g', username: 'gu', segment: 'b2b', geo: { city: 'Oslo' } });
      setUser(null);
      expect(getUser()).toEqual({ segment: 'b2b', geo: { city: 'Oslo' } });
      withScope((current) => {
        current.setUser({ email: 'c@x.io' });
        expect(getUser()).toEqual({ segment: 'b2b', geo: { city: 'Oslo' }, email: 'c@x.io' });
      });
    });
    getGlobalScope().setUser(null);
  });

  it('the nearest scope with a resolver wins', () => {
    getGlobalScope().setUserResolver(() => ({ id: 'global' }));
    withIsolationScope((iso) => {
      expect(getUser()).toEqual({ id: 'global' });
      iso.setUserResolver(() => ({ id: 'iso' }));
      expect(getUser()).toEqual({ id: 'iso' });
    });
    getGlobalScope().setUserResolver(undefined);
  });

  it('a throwing resolver contributes nothing', () => {
    withIsolationScope((scope) => {
      scope.setUserResolver(() => {
        throw new Error('db down');
      });
      setUser({ username: 'x' });
      expect(getUser()).toEqual({ username: 'x' });
    });
  });

  it('a resolver result is normalized, and its email waits for sendDefaultPii', () => {
    withIsolationScope((scope) => {
      scope.setUserResolver(() => ({ id: 5, ip_address: 'bad', email: 'e@x.io' }));
      // No client: as a default client would send it (no sendDefaultPii: no email).
      expect(getUser()).toEqual({ id: '5' });
      init({ dsn: 'http://k@127.0.0.1:9/1', sendDefaultPii: true, sendClientReports: false });
      expect(getUser()).toEqual({ id: '5', email: 'e@x.io' });
    });
  });

  it('async resolvers: getUser skips them, getUserAsync waits', async () => {
    await withIsolationScope(async (scope) => {
      scope.setUserResolver(async () => {
        await new Promise((r) => setTimeout(r, 5));
        return { id: 'async', username: 'a' };
      });
      expect(getUser()).toBeNull();
      expect(await getUserAsync()).toEqual({ id: 'async', username: 'a' });
      setUser({ username: 'explicit' });
      expect(await getUserAsync()).toEqual({ username: 'explicit' });
    });
  });

  it('getUserAsync gives up on a slow or rejecting resolver', async () => {
    await withIsolationScope(async (scope) => {
      scope.setUserResolver(() => new Promise(() => undefined));
      getGlobalScope().setUser({ segment: 'kept' });
      const started = Date.now();
      expect(await getUserAsync(30)).toEqual({ segment: 'kept' });
      expect(Date.now() - started).toBeLessThan(1000);
      scope.setUserResolver(() => Promise.reject(new Error('boom')));
      expect(await getUserAsync(30)).toEqual({ segment: 'kept' });
      getGlobalScope().setUser(null);
    });
  });
});

describe('scopes', () => {
  it('top-level setters write to the isolation scope', () => {
    withIsolationScope((iso) => {
      setTag('a', 1);
      setTags({ b: 'x' });
      setContext('order', { id: 9 });
      setExtra('e', [1]);
      const data = iso.getScopeData();
      expect(data.tags).toEqual({ a: 1, b: 'x' });
      expect(data.contexts).toEqual({ order: { id: 9 } });
      expect(data.extra).toEqual({ e: [1] });
      expect(getCurrentScope().getScopeData().tags).toEqual({});
      setContext('order', null);
      expect(iso.getScopeData().contexts).toEqual({});
    });
    expect(getIsolationScope().getScopeData().tags).toEqual({});
  });

  it('withScope forks the current scope; changes stay inside', () => {
    withIsolationScope(() => {
      getCurrentScope().setTag('outer', true);
      withScope((scope) => {
        expect(scope).toBe(getCurrentScope());
        scope.setTag('inner', true);
        expect(getCurrentScope().getScopeData().tags).toEqual({ outer: true, inner: true });
      });
      expect(getCurrentScope().getScopeData().tags).toEqual({ outer: true });
    });
  });

  it('withIsolationScope forks the isolation scope: the parent keeps its user', () => {
    withIsolationScope(() => {
      setUser({ id: 'parent' });
      withIsolationScope((child) => {
        expect(getUser()).toEqual({ id: 'parent' });
        child.setUser({ id: 'child' });
        expect(getUser()).toEqual({ id: 'child' });
      });
      expect(getUser()).toEqual({ id: 'parent' });
    });
  });

  it('returns the callback value, and a thrown error propagates', async () => {
    expect(withScope(() => 5)).toBe(5);
    await expect(withIsolationScope(async () => 6)).resolves.toBe(6);
    expect(() =>
      withIsolationScope(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
  });

  it('clone copies data without sharing changes', () => {
    const a = new Scope()
      .setUser({ id: 'a' })
      .setTag('t', 1)
      .setFingerprint(['f'])
      .setLevel('warning');
    const b = a.clone();
    b.setUser({ id: 'b' }).setTag('t', 2);
    expect(a.getScopeData()).toMatchObject({
      user: { id: 'a' },
      tags: { t: 1 },
      fingerprint: ['f'],
      level: 'warning',
    });
    expect(b.getScopeData()).toMatchObject({
      user: { id: 'b' },
      tags: { t: 2 },
      fingerprint: ['f'],
      level: 'warning',
    });
    a.clear();
    expect(a.getScopeData()).toMatchObject({
      user: undefined,
      tags: {},
      fingerprint: undefined,
      level: undefined,
    });
  });

  it('the stored user cannot be mutated from outside', () => {
    const scope = new Scope().setUser({ id: 'a', geo: { city: 'X' } });
    const user = scope.getUser() as Record<string, unknown>;
    expect(() => {
      user.id = 'b';
    }).toThrow(TypeError);
    expect(scope.getUser()).toEqual({ id: 'a', geo: { city: 'X' } });
  });
});

describe('hasIdentity / userKey', () => {
  it('needs one of id, username, email, ip_address', () => {
    expect(hasIdentity({ subscription: 'pro' })).toBe(false);
    expect(hasIdentity({ ip_address: null })).toBe(false);
    expect(hasIdentity(null)).toBe(false);
    expect(hasIdentity({ email: 'a@x.io' })).toBe(true);
    expect(hasIdentity({ ip_address: '10.0.0.1' })).toBe(true);
  });

  it('keys by the first of id, username, email, ip_address', () => {
    expect(userKey({ id: '1', username: 'u', email: 'e@x', ip_address: '1.1.1.1' })).toBe('id:1');
    expect(userKey({ id: 42 })).toBe('id:42');
    expect(userKey({ username: 'u', email: 'e@x', ip_address: '1.1.1.1' })).toBe('username:u');
    expect(userKey({ email: 'e@x', ip_address: '1.1.1.1' })).toBe('email:e@x');
    expect(userKey({ ip_address: '1.1.1.1' })).toBe('ip:1.1.1.1');
    expect(userKey({ id: '  ', Email: 'x' })).toBeNull();
    expect(userKey(undefined)).toBeNull();
  });
});
