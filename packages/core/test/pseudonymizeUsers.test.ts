// pseudonymizeUsers: id, username and email leave the process as keyed hashes, custom user data
// only when allowed, the key never anywhere but in the app.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { getCarrier } from '../src/carrier';
import {
  captureEvent,
  captureException,
  flush,
  getUser,
  init,
  pseudonymizeUser,
  setUser,
  withIsolationScope,
} from '../src/node';
import { createPseudonymizer, type HmacSha256, PSEUDONYM_PREFIX } from '../src/pseudonymizeUsers';
import { useSharedSink } from './sink';

const sink = useSharedSink();
const KEY = 'x-test-key-0123456789';

// Computed independently with OpenSSL 3.0:
//   printf '%s' 'id:u-alice' | openssl dgst -sha256 -hmac 'x-test-key-0123456789'
// (and likewise for the other two); a pseudonym is `px_` + the first 32 hex digits.
const VECTORS = [
  ['id', 'u-alice', '3a279f1d12b359bc69f706a322346b17'],
  ['username', 'alice', 'dbc9cb527de8f6ef0cda23c5c25ed6cc'],
  ['email', 'alice@example.com', 'e2814afe30d57ef168ee3c059825efdc'],
] as const;
// The same message under the 20-byte key 00 01 02 … 13:
//   printf 'id:u-alice' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f10111213
const BYTES_KEY = Uint8Array.from({ length: 20 }, (_, i) => i);
const BYTES_KEY_ID = '100bb167f3d30ab6744b1970d964de72';

/** Runs `fn` with the Web Crypto path (as in browsers and Edge): no runtime HMAC installed. */
async function withoutRuntimeHmac<T>(fn: () => Promise<T>): Promise<T> {
  const runtime = getCarrier().runtime;
  const saved = runtime?.hmacSha256;
  if (runtime) runtime.hmacSha256 = undefined;
  try {
    return await fn();
  } finally {
    if (runtime) runtime.hmacSha256 = saved;
  }
}

/** Captures one error (stack outside this file, so no source context carries the literals). */
function captureOne(): void {
  const error = new Error('boom');
  error.stack = 'Error: boom\n    at pay (/srv/shop/pay.js:1:1)';
  captureException(error);
}

async function sent(): Promise<{ user: Record<string, unknown> | undefined; bytes: string }> {
  expect(await flush(2000)).toBe(true);
  const event = sink.events()[0] as { user?: Record<string, unknown> } | undefined;
  const bytes = sink.received
    .map((r) => Buffer.concat([r.wire, r.body]).toString('latin1') + JSON.stringify(r.headers))
    .join('\n');
  return { user: event?.user, bytes };
}

describe('the pseudonym', () => {
  it('is px_ + the first 16 bytes of HMAC-SHA-256(key, "<field>:<value>") in hex (OpenSSL vectors)', async () => {
    const user = Object.fromEntries(VECTORS.map(([field, value]) => [field, value]));
    const expected = Object.fromEntries(VECTORS.map(([field, , hex]) => [field, `px_${hex}`]));
    // node:crypto (the node entry's HMAC) and Web Crypto (browsers, Edge) alike.
    expect(await createPseudonymizer({ key: KEY })(user)).toEqual(expected);
    expect(await withoutRuntimeHmac(() => createPseudonymizer({ key: KEY })(user))).toEqual(
      expected,
    );
    expect(await createPseudonymizer({ key: BYTES_KEY })({ id: 'u-alice' })).toEqual({
      id: `px_${BYTES_KEY_ID}`,
    });
    expect(
      await withoutRuntimeHmac(() => createPseudonymizer({ key: BYTES_KEY })({ id: 'u-alice' })),
    ).toEqual({ id: `px_${BYTES_KEY_ID}` });
  });

  it('matches the openssl command for random keys and values, on both HMACs', async () => {
    let openssl = true;
    try {
      execFileSync('openssl', ['version']);
    } catch {
      openssl = false;
    }
    for (let i = 0; i < 5; i++) {
      const key = randomBytes(24).toString('hex');
      const value = `${randomBytes(6).toString('base64')} ü ${i}`;
      const viaNode = (await createPseudonymizer({ key })({ email: value }))?.email;
      const viaWeb = (
        await withoutRuntimeHmac(() => createPseudonymizer({ key })({ email: value }))
      )?.email;
      expect(viaWeb).toBe(viaNode);
      const reference = openssl
        ? execFileSync('openssl', ['dgst', '-sha256', '-hmac', key, '-r'], {
            input: `email:${value}`,
          })
            .toString()
            .slice(0, 32)
        : createHmac('sha256', key).update(`email:${value}`).digest('hex').slice(0, 32);
      expect(viaNode).toBe(`${PSEUDONYM_PREFIX}${reference}`);
    }
  });

  it('separates the fields: the same text as id, username and email gives three pseudonyms', async () => {
    const same = 'alice@example.com';
    const out = await createPseudonymizer({ key: KEY })({ id: same, username: same, email: same });
    expect(new Set([out?.id, out?.username, out?.email]).size).toBe(3);
  });

  it('depends on the key: the same key gives the same pseudonym, another key another', async () => {
    const a = await createPseudonymizer({ key: KEY })({ id: 'u-1' });
    const b = await createPseudonymizer({ key: new TextEncoder().encode(KEY) })({ id: 'u-1' });
    const c = await createPseudonymizer({ key: `${KEY}!` })({ id: 'u-1' });
    expect(a).toEqual(b);
    expect(c?.id).not.toBe(a?.id);
  });

  it('uses a copy of a byte key (changing the array later changes nothing)', async () => {
    const key = new Uint8Array(BYTES_KEY);
    const pseudonymize = createPseudonymizer({ key });
    key.fill(0);
    expect(await pseudonymize({ id: 'u-alice' })).toEqual({ id: `px_${BYTES_KEY_ID}` });
  });

  it('refuses a missing or short key at startup, without repeating it', () => {
    for (const key of ['short-key', '', new Uint8Array(15), undefined, 42]) {
      let message = '';
      try {
        init({ dsn: sink.dsn, pseudonymizeUsers: { key: key as string } });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/pseudonymizeUsers\.key needs 16\+ bytes: openssl rand -hex 32/);
      expect(message).not.toContain('short-key');
    }
  });

  it('drops a value it cannot hash instead of sending it raw', async () => {
    const failing: HmacSha256 = () => {
      throw new Error('no HMAC here');
    };
    expect(
      await createPseudonymizer({ key: KEY }, failing)({ id: 'u-1', ip_address: '192.0.2.1' }),
    ).toEqual({ ip_address: '192.0.2.1' });
    expect(await createPseudonymizer({ key: KEY }, failing)({ id: 'u-1' })).toBeNull();
  });
});

describe('events with pseudonymizeUsers', () => {
  afterEach(() => {
    getCarrier().debug = false;
  });

  it('carry pseudonyms, allowed custom data, geo and IP; nothing raw in the envelope bytes', async () => {
    init({
      dsn: sink.dsn,
      sendDefaultPii: true,
      sendClientReports: false,
      pseudonymizeUsers: { key: KEY, allow: ['plan'] },
    });
    setUser({
      id: 'u-alice',
      username: 'alice',
      email: 'alice@example.com',
      ip_address: '198.51.100.7',
      geo: { country_code: 'de', city: 'Berlin' },
      plan: 'gold',
      note: 'SECRET-NOTE',
      Email: 'alice.custom@example.com',
    });
    captureOne();
    const { user, bytes } = await sent();
    expect(user).toEqual({
      id: 'px_3a279f1d12b359bc69f706a322346b17',
      username: 'px_dbc9cb527de8f6ef0cda23c5c25ed6cc',
      email: 'px_e2814afe30d57ef168ee3c059825efdc',
      ip_address: '198.51.100.7',
      geo: { country_code: 'DE', city: 'Berlin' },
      plan: 'gold',
    });
    for (const raw of [
      'u-alice',
      '"alice"',
      'alice@example.com',
      'SECRET-NOTE',
      'alice.custom',
      KEY,
    ])
      expect(bytes).not.toContain(raw);
  });

  it('leave the IP rules alone: the request IP with sendDefaultPii, truncated, none after ip_address: null', async () => {
    init({
      dsn: sink.dsn,
      sendDefaultPii: true,
      ipAnonymization: 'truncate',
      sendClientReports: false,
      pseudonymizeUsers: { key: KEY },
    });
    await withIsolationScope(async (scope) => {
      scope.setRequest({
        method: 'GET',
        url: 'http://shop.test/a',
        clientIp: () => '203.0.113.77',
      });
      scope.setUserResolver(() => ({ id: 'u-alice' }));
      captureOne();
    });
    await withIsolationScope(async (scope) => {
      scope.setRequest({
        method: 'GET',
        url: 'http://shop.test/b',
        clientIp: () => '203.0.113.77',
      });
      setUser({ id: 'u-alice', ip_address: null });
      captureOne();
    });
    expect(await flush(2000)).toBe(true);
    const users = sink
      .events()
      .map((e) => [(e.request as { url: string }).url, e.user])
      .sort();
    expect(users).toEqual([
      [
        'http://shop.test/a',
        { id: 'px_3a279f1d12b359bc69f706a322346b17', ip_address: '203.0.113.0' },
      ],
      ['http://shop.test/b', { id: 'px_3a279f1d12b359bc69f706a322346b17' }],
    ]);
  });

  it('apply to captureEvent users and before beforeSend, which sees the pseudonyms', async () => {
    const seen: unknown[] = [];
    init({
      dsn: sink.dsn,
      sendClientReports: false,
      pseudonymizeUsers: { key: KEY },
      beforeSend: (event) => {
        seen.push(event.user);
        return event;
      },
    });
    captureEvent({ message: 'hi', user: { email: 'alice@example.com', team: 'a' } });
    const { user } = await sent();
    expect(user).toEqual({ email: 'px_e2814afe30d57ef168ee3c059825efdc' });
    expect(seen).toEqual([user]);
  });

  it('pseudonymizeUser gives what the client sends (for the browser, or a support lookup)', async () => {
    expect(await pseudonymizeUser({ id: 42, team: 'a' })).toEqual({ id: '42', team: 'a' });
    init({ dsn: sink.dsn, sendClientReports: false, pseudonymizeUsers: { key: KEY } });
    expect(await pseudonymizeUser({ id: 'u-alice', team: 'a', ip_address: 'nope' })).toEqual({
      id: 'px_3a279f1d12b359bc69f706a322346b17',
    });
    expect(await pseudonymizeUser({ team: 'a' })).toBeNull();
    expect(await pseudonymizeUser(null)).toBeNull();
  });

  it('getUser() stays the app’s view: raw, as the app set it', async () => {
    init({ dsn: sink.dsn, sendClientReports: false, pseudonymizeUsers: { key: KEY } });
    setUser({ id: 'u-alice', plan: 'gold' });
    expect(getUser()).toEqual({ id: 'u-alice', plan: 'gold' });
  });

  it('hash in the background build step, never on the caller’s path', async () => {
    const runtime = getCarrier().runtime;
    const real = runtime?.hmacSha256;
    let calls = 0;
    if (runtime)
      runtime.hmacSha256 = (key, message) => {
        calls++;
        return (real as HmacSha256)(key, message);
      };
    try {
      init({ dsn: sink.dsn, sendClientReports: false, pseudonymizeUsers: { key: KEY } });
      setUser({ id: 'u-alice', username: 'alice' });
      captureOne();
      expect(calls).toBe(0);
      expect((await sent()).user).toEqual({
        id: 'px_3a279f1d12b359bc69f706a322346b17',
        username: 'px_dbc9cb527de8f6ef0cda23c5c25ed6cc',
      });
      expect(calls).toBe(2);
    } finally {
      if (runtime) runtime.hmacSha256 = real;
    }
  });

  it('never put the key in debug output, errors or the event, while saying what they dropped', async () => {
    const lines: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
      lines.push(
        args
          .map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a)))
          .join(' '),
      );
    };
    try {
      init({
        dsn: sink.dsn,
        debug: true,
        sendClientReports: false,
        pseudonymizeUsers: { key: KEY },
        beforeSend: () => {
          throw new Error('beforeSend failed');
        },
      });
      setUser({ id: 'u-alice', ip_address: 'not-an-ip', plan: 'gold', extra: { a: 1 } });
      captureOne();
      await flush(2000);
      // The Web Crypto path failing (no crypto.subtle) logs too.
      await withoutRuntimeHmac(async () => {
        const subtle = Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle');
        Object.defineProperty(globalThis.crypto, 'subtle', {
          value: undefined,
          configurable: true,
        });
        try {
          expect(await createPseudonymizer({ key: KEY })({ id: 'u-alice' })).toBeNull();
        } finally {
          if (subtle) Object.defineProperty(globalThis.crypto, 'subtle', subtle);
          else Reflect.deleteProperty(globalThis.crypto, 'subtle');
        }
      });
    } finally {
      console.warn = original;
    }
    const output = lines.join('\n');
    expect(output).toContain('dropped user keys not in allow:" ["plan","extra"]');
    expect(output).toContain('user.id not hashed; dropped');
    expect(output).toContain('beforeSend threw');
    expect(output).not.toContain(KEY);
    expect(output).not.toContain(Buffer.from(KEY).toString('hex'));
    expect(output).not.toContain(Buffer.from(KEY).toString('base64'));
  });
});
