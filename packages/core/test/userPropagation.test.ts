// The user that travels with a unit of work: sealed by the sender as its events would carry it,
// opened by the receiver only when the signature holds, never pseudonymized twice.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getCarrier } from '../src/carrier';
import { runRequestCapturing } from '../src/internal';
import {
  type ClientOptions,
  captureException,
  close,
  flush,
  getCurrentScope,
  getEventUser,
  init,
  normalizeUser,
  openUser,
  sealUser,
  setUser,
  travelledUser,
  type User,
  withBackgroundScope,
  withIsolationScope,
} from '../src/node';
import { envelopeText, resetCarrier } from './helpers';

const KEY = 'propagation-test-key-0123456789abcdef';
const OTHER_KEY = 'another-propagation-key-0123456789abcdef';
const PSEUDONYM_KEY = 'pseudonym-test-key-0123456789';
const TOKEN_SHAPE = /^x1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

let sent: (string | Uint8Array)[] = [];

/** Starts a client that records what it would send. */
function start(options: ClientOptions = {}): void {
  init({
    dsn: 'http://k@127.0.0.1:9/1',
    sendClientReports: false,
    propagationKey: KEY,
    transport: () => ({
      send: (envelope) => void sent.push(envelope.body),
      flush: async () => true,
    }),
    ...options,
  });
}

interface SentEvent {
  user?: Record<string, unknown>;
  exception?: { values?: { value?: string }[] };
}

/** The user of each event sent so far, by its error's message. */
async function sentUsers(): Promise<Record<string, Record<string, unknown> | undefined>> {
  expect(await flush(2000)).toBe(true);
  const events = sent
    .map((body) => envelopeText(body).split('\n'))
    .filter((lines) => lines[1]?.includes('"type":"event"'))
    .map((lines) => JSON.parse(lines[2] ?? '{}') as SentEvent);
  return Object.fromEntries(events.map((e) => [e.exception?.values?.[0]?.value, e.user]));
}

/** The token a unit of work started for `user` (the request's resolver, as adapters set it) carries. */
function sealFor(user: User): Promise<string | undefined> {
  return withIsolationScope((scope) => {
    scope.setUserResolver(() => user);
    return sealUser();
  });
}

/** Runs `fn` in the scope of a unit of work that came with `token`, as an adapter opens it. */
function receive<T>(token: unknown, fn: () => T): T {
  return withIsolationScope((scope) => {
    scope.setUserResolver(travelledUser(token));
    return fn();
  });
}

const pseudonym = (field: string, value: string) =>
  `px_${createHmac('sha256', PSEUDONYM_KEY).update(`${field}:${value}`).digest('hex').slice(0, 32)}`;

beforeEach(() => {
  resetCarrier();
  sent = [];
});
afterEach(async () => {
  await close(100);
  vi.restoreAllMocks();
});

describe('sealing and opening', () => {
  it('round-trips the user an event would carry, in a versioned, signed token', async () => {
    start({ sendDefaultPii: true });
    const token = await sealFor({ id: 42, username: 'ada', email: 'ada@example.com', plan: 'pro' });
    expect(token).toMatch(TOKEN_SHAPE);
    expect(openUser(token)).toEqual({
      id: '42',
      username: 'ada',
      email: 'ada@example.com',
      plan: 'pro',
    });
  });

  it('applies the privacy rules before sealing: no resolver email or IP without sendDefaultPii', async () => {
    start();
    const user = { id: 'u-1', email: 'ada@example.com', ip_address: '203.0.113.9' };
    expect(openUser(await sealFor(user))).toEqual({ id: 'u-1' });
    await close(100);
    start({ sendDefaultPii: true });
    expect(openUser(await sealFor(user))).toEqual(user);
  });

  it('seals pseudonyms under pseudonymizeUsers', async () => {
    start({ pseudonymizeUsers: { key: PSEUDONYM_KEY }, sendDefaultPii: true });
    const token = await sealFor({ id: 'u-1', email: 'ada@example.com', plan: 'pro' });
    expect(openUser(token)).toEqual({
      id: pseudonym('id', 'u-1'),
      email: pseudonym('email', 'ada@example.com'),
    });
    expect(token).not.toContain(btoa('u-1').replace(/=+$/, ''));
  });

  it('is undefined / null without a key, without a user, or with a short key', async () => {
    start({ propagationKey: undefined });
    expect(await sealFor({ id: 'u-1' })).toBeUndefined();
    await close(100);
    start();
    const token = await sealFor({ id: 'u-1' });
    expect(await withIsolationScope(() => sealUser())).toBeUndefined();
    await close(100);
    start({ propagationKey: undefined });
    expect(openUser(token)).toBeNull();
    await close(100);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    start({ propagationKey: 'short' });
    expect(await sealFor({ id: 'u-1' })).toBeUndefined();
    expect(openUser(token)).toBeNull();
    expect(warn.mock.calls.flat().join(' ')).toContain('propagationKey needs 16+ bytes');
  });

  it('refuses what is not this key’s token: null, with a debug line', async () => {
    start({ debug: true });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const token = (await sealFor({ id: 'u-1', username: 'ada' })) ?? '';
    const [, payload = '', mac = ''] = token.split('.');
    const forged = btoa(JSON.stringify({ id: 'admin' })).replace(/=+$/, '');
    const refused: unknown[] = [
      `x1.${forged}.${mac}`, // another payload under this token's MAC
      `x1.${payload.slice(0, -1)}${payload.endsWith('A') ? 'B' : 'A'}.${mac}`, // tampered
      token.slice(0, -1), // truncated
      token.slice(0, token.length - 44), // no MAC
      `x1.${forged}.`, // unsigned
      `x2.${payload}.${mac}`, // another version
      `x1.${payload}.${'A'.repeat(43)}`, // a made-up MAC
      `x1.${'A'.repeat(4100)}.${mac}`, // oversized
      `${token} `,
      42,
      { id: 'admin' },
      ['x1', payload, mac],
      Buffer.from(token),
      () => token,
      true,
      '',
    ];
    for (const candidate of refused) expect(openUser(candidate), String(candidate)).toBeNull();
    expect(warn.mock.calls.map((call) => String(call[0]))).toContain(
      '[@x] openUser: token refused (wrong signature); no user',
    );
    await close(100);
    start({ propagationKey: OTHER_KEY });
    expect(openUser(token)).toBeNull();
  });

  it('signs over a domain of its own: an HMAC of the token text under the same key is no MAC', async () => {
    start({ propagationKey: PSEUDONYM_KEY, pseudonymizeUsers: { key: PSEUDONYM_KEY } });
    const token = (await sealFor({ id: 'u-1' })) ?? '';
    const payload = token.split('.')[1] ?? '';
    const hashed = createHmac('sha256', PSEUDONYM_KEY).update(`x1.${payload}`).digest('base64url');
    expect(openUser(`x1.${payload}.${hashed}`)).toBeNull();
    expect(openUser(token)).toEqual({ id: pseudonym('id', 'u-1') });
  });

  it('seals with Web Crypto where the runtime has no HMAC; opening needs the runtime’s', async () => {
    start();
    const runtime = getCarrier().runtime;
    const saved = runtime?.hmacSha256;
    if (runtime) runtime.hmacSha256 = undefined;
    let token: string | undefined;
    try {
      token = await sealFor({ id: 'u-1' });
      expect(openUser(token)).toBeNull();
    } finally {
      if (runtime) runtime.hmacSha256 = saved;
    }
    expect(openUser(token)).toEqual({ id: 'u-1' });
  });

  it('gives a repeated user the same token without a second HMAC; a new key, a new token', async () => {
    start();
    const hmac = vi.spyOn(getCarrier().runtime as { hmacSha256: () => Uint8Array }, 'hmacSha256');
    const first = await sealFor({ id: 'u-1', username: 'ada' });
    const again = await sealFor({ id: 'u-1', username: 'ada' });
    expect(again).toBe(first);
    expect(hmac).toHaveBeenCalledTimes(1); // sealing; the repeat is a lookup
    expect(await sealFor({ id: 'u-2' })).not.toBe(first);
    await close(100);
    start({ propagationKey: OTHER_KEY });
    const other = await sealFor({ id: 'u-1', username: 'ada' });
    expect(other).toMatch(TOKEN_SHAPE);
    expect(other).not.toBe(first);
    expect(openUser(other)).toEqual({ id: 'u-1', username: 'ada' });
    expect(openUser(first)).toBeNull(); // the old key's token does not open under the new key
  });

  it('seals a user too large for a token without its custom data', async () => {
    start();
    const token = await sealFor({ id: 'u-1', notes: 'x'.repeat(5000) });
    expect(token?.length).toBeLessThanOrEqual(4096);
    expect(openUser(token)).toEqual({ id: 'u-1' });
  });
});

describe('the receiving side', () => {
  it('events carry the travelled user as it came: not pseudonymized twice, nor when sealed on', async () => {
    start({ pseudonymizeUsers: { key: PSEUDONYM_KEY }, sendDefaultPii: true });
    const token = await sealFor({ id: 'u-1', email: 'ada@example.com' });
    const travelled = { id: pseudonym('id', 'u-1'), email: pseudonym('email', 'ada@example.com') };
    const resealed = await receive(token, async () => {
      captureException(new Error('in the unit'));
      // The app adds a raw value of its own: that one is pseudonymized, the travelled ones kept.
      getCurrentScope().setUser({ username: 'ada' });
      captureException(new Error('with a username'));
      getCurrentScope().clear();
      return sealUser();
    });
    expect(await sentUsers()).toEqual({
      'in the unit': travelled,
      'with a username': { ...travelled, username: pseudonym('username', 'ada') },
    });
    expect(resealed).toBe(token);
  });

  it('a travelled user is a default user: email and IP only with sendDefaultPii; setUser replaces it', async () => {
    start({ sendDefaultPii: true });
    const token = await sealFor({ id: 'u-1', email: 'ada@example.com', ip_address: '203.0.113.9' });
    await close(100);
    start();
    await receive(token, async () => {
      captureException(new Error('default'));
      expect(await getEventUser()).toEqual({ id: 'u-1' });
      setUser({ id: 'explicit' });
      captureException(new Error('explicit'));
    });
    expect(await sentUsers()).toEqual({ default: { id: 'u-1' }, explicit: { id: 'explicit' } });
  });

  it('a bad token gives no user, never a forged one', async () => {
    start({ propagationKey: OTHER_KEY });
    const otherKeys = await sealFor({ id: 'admin' });
    await close(100);
    start();
    const admin = Buffer.from('{"id":"admin"}').toString('base64url');
    const tokens = [
      otherKeys,
      `x1.${admin}.${'A'.repeat(43)}`,
      { id: 'admin' },
      'x1.e30',
      undefined,
    ];
    for (const [i, token] of tokens.entries()) {
      receive(token, () => captureException(new Error(`forged ${i}`)));
    }
    const users = await sentUsers();
    expect(Object.keys(users)).toHaveLength(tokens.length);
    expect(Object.values(users)).toEqual(tokens.map(() => undefined));
  });

  it('background work started in the unit keeps the travelled user; a request’s user it never sees', async () => {
    start();
    const token = await sealFor({ id: 'u-1' });
    const job = (name: string, user?: User) => () =>
      withBackgroundScope(
        () => {
          throw new Error(name);
        },
        { user },
      );
    receive(token, () => expect(job('from a message')).toThrow());
    withIsolationScope((scope) => {
      scope.setUserResolver(() => ({ id: 'request-user' }));
      expect(job('from a request')).toThrow();
    });
    receive(token, () => expect(job('with its own user', { id: 'job-owner' })).toThrow());
    expect(await sentUsers()).toEqual({
      'from a message': { id: 'u-1' },
      'from a request': undefined,
      'with its own user': { id: 'job-owner' },
    });
  });

  it('a message handler run as background work is captured once, with the travelled user', async () => {
    start();
    const token = await sealFor({ id: 'u-1' });
    const handler = () => withBackgroundScope(() => Promise.reject(new Error('handler')));
    const unit = runRequestCapturing(
      { getUser: travelledUser(token) },
      { mechanism: 'rpc' },
      handler,
    );
    await expect(unit).rejects.toThrow('handler');
    expect(await sentUsers()).toEqual({ handler: { id: 'u-1' } });
    expect(sent).toHaveLength(1);
  });
});

describe('properties', () => {
  const text = fc.string({ maxLength: 24 });
  const user = fc.record(
    {
      id: fc.oneof(text, fc.integer()),
      username: text,
      email: fc.emailAddress(),
      ip_address: fc.oneof(fc.ipV4(), fc.ipV6()),
      geo: fc.record({ city: text, country_code: fc.constantFrom('DE', 'fr', 'US') }),
      plan: fc.jsonValue({ maxDepth: 2 }),
      Email: text,
    },
    { requiredKeys: [] },
  );

  it('random users round-trip to their normalized form', async () => {
    start({ sendDefaultPii: true });
    await fc.assert(
      fc.asyncProperty(user, async (raw) => {
        const token = await withIsolationScope(() => {
          setUser(raw);
          return sealUser();
        });
        const expected = normalizeUser(raw).user;
        if (!expected) {
          expect(token).toBeUndefined();
          return;
        }
        expect(token?.length).toBeLessThanOrEqual(4096);
        expect(openUser(token)).toEqual(expected);
      }),
    );
  });

  it('random mutations of a token never verify', async () => {
    start();
    const token = (await sealFor({ id: 'u-1', username: 'ada', plan: 'pro' })) ?? '';
    const alphabet = 'ABCabc019_-.=+/ x';
    const mutation = fc.oneof(
      fc.tuple(fc.nat(token.length - 1), fc.constantFrom(...alphabet)).map(([at, char]) => {
        return token.slice(0, at) + char + token.slice(at + 1);
      }),
      fc.nat(token.length - 1).map((at) => token.slice(0, at) + token.slice(at + 1)),
      fc.tuple(fc.nat(token.length), fc.constantFrom(...alphabet)).map(([at, char]) => {
        return token.slice(0, at) + char + token.slice(at);
      }),
      fc.nat(token.length - 1).map((at) => token.slice(0, at)),
      fc.tuple(fc.nat(token.length - 1), fc.nat(token.length - 1)).map(([a, b]) => {
        const chars = [...token];
        [chars[a], chars[b]] = [chars[b] ?? '', chars[a] ?? ''];
        return chars.join('');
      }),
    );
    fc.assert(
      fc.property(mutation, (mutated) => {
        fc.pre(mutated !== token);
        expect(openUser(mutated)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
