import { describe, expect, it } from 'vitest';
import { normalizeUser } from '../src/normalizeUser';

describe('normalizeUser: well-known fields', () => {
  it('keeps a valid user exactly', () => {
    const input = {
      id: 'u1',
      username: 'alice',
      email: 'alice@example.com',
      ip_address: '203.0.113.7',
      geo: { city: 'Berlin', country_code: 'de', region: 'BE', subdivision: 'Berlin' },
      subscription: 'pro',
    };
    expect(normalizeUser(input)).toEqual({
      user: {
        id: 'u1',
        username: 'alice',
        email: 'alice@example.com',
        ip_address: '203.0.113.7',
        geo: { city: 'Berlin', country_code: 'DE', region: 'BE', subdivision: 'Berlin' },
        subscription: 'pro',
      },
      errors: [],
    });
  });

  it('turns finite numbers in id and username into strings', () => {
    expect(normalizeUser({ id: 42, username: 1.5 })).toEqual({
      user: { id: '42', username: '1.5' },
      errors: [],
    });
    expect(normalizeUser({ id: -0 }).user).toEqual({ id: '0' });
  });

  it('drops non-finite numbers, booleans, objects and arrays in id/username', () => {
    expect(normalizeUser({ id: Number.NaN, username: true, email: 'e@x.io' })).toEqual({
      user: { email: 'e@x.io' },
      errors: [
        { path: 'id', reason: 'expected a finite number', value: 'NaN' },
        { path: 'username', reason: 'expected a string, got a boolean', value: true },
      ],
    });
    expect(normalizeUser({ id: { a: 1 }, username: ['x'] })).toEqual({
      user: null,
      errors: [
        { path: 'id', reason: 'expected a string, got an object', value: '[object]' },
        { path: 'username', reason: 'expected a string, got an array', value: '[array]' },
      ],
    });
    expect(normalizeUser({ id: Number.POSITIVE_INFINITY }).errors).toEqual([
      { path: 'id', reason: 'expected a finite number', value: 'Infinity' },
    ]);
  });

  it('accepts only strings for email', () => {
    expect(normalizeUser({ email: 12 })).toEqual({
      user: null,
      errors: [{ path: 'email', reason: 'expected a string, got a number', value: 12 }],
    });
  });

  it('drops, never cuts, values over the length caps', () => {
    const id128 = 'i'.repeat(128);
    const email75 = `${'e'.repeat(65)}@example.c`;
    expect(email75).toHaveLength(75);
    expect(normalizeUser({ id: id128, username: 'u'.repeat(128), email: email75 })).toEqual({
      user: { id: id128, username: 'u'.repeat(128), email: email75 },
      errors: [],
    });
    expect(
      normalizeUser({ id: `${id128}x`, username: 'u'.repeat(129), email: `x${email75}` }),
    ).toEqual({
      user: null,
      errors: [
        { path: 'id', reason: 'longer than 128 characters', value: `${id128}x` },
        { path: 'username', reason: 'longer than 128 characters', value: 'u'.repeat(129) },
        { path: 'email', reason: 'longer than 75 characters', value: `x${email75}` },
      ],
    });
  });

  it('counts characters, not UTF-16 units, for the caps', () => {
    const emoji = '😀'.repeat(128); // 256 UTF-16 units, 128 characters
    expect(normalizeUser({ id: emoji }).user).toEqual({ id: emoji });
    expect(normalizeUser({ id: `${emoji}😀` }).errors).toHaveLength(1);
  });

  it('treats empty and whitespace-only strings as absent', () => {
    expect(
      normalizeUser({ id: '', username: '   ', email: '\t\n', ip_address: ' ', plan: '  ' }),
    ).toEqual({
      user: null,
      errors: [],
    });
    expect(normalizeUser({ id: ' x ' }).user).toEqual({ id: ' x ' });
  });

  it('treats null as absent except in ip_address', () => {
    expect(normalizeUser({ id: null, username: null, geo: null, plan: null })).toEqual({
      user: null,
      errors: [],
    });
    expect(normalizeUser({ id: 'a', ip_address: null })).toEqual({
      user: { id: 'a', ip_address: null },
      errors: [],
    });
  });
});

describe('normalizeUser: ip_address', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['203.0.113.255', '203.0.113.255'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::1.2.3.4', '1.2.3.4'],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:192.168.1.1', '192.168.1.1'],
    ['{{auto}}', '{{auto}}'],
  ])('accepts %s as %s', (input, expected) => {
    expect(normalizeUser({ ip_address: input })).toEqual({
      user: { ip_address: expected },
      errors: [],
    });
  });

  it.each([
    'not-an-ip',
    '1.2.3.256',
    '127.1',
    '0x7f.0.0.1',
    '010.0.0.1',
    ' 1.2.3.4',
    'fe80::1%eth0',
    '{{AUTO}}',
    '1.2.3.4/24',
    // Parts that a number reads but are not dotted decimal octets.
    '-1.2.3.4',
    '-0.1.2.3',
    '+1.2.3.4',
    '1..3.4',
    '1.2.3.4.',
    '1e2.0.0.1',
    '1.2.3.4 ',
    '1.2.3',
    '1.2.3.4.5',
    '255.255.255.-0',
  ])('drops %j with an error', (input) => {
    expect(normalizeUser({ id: 'u', ip_address: input })).toEqual({
      user: { id: 'u' },
      errors: [{ path: 'ip_address', reason: 'expected an ip address', value: input }],
    });
  });

  it('drops non-strings', () => {
    expect(normalizeUser({ ip_address: 2130706433 }).errors).toEqual([
      { path: 'ip_address', reason: 'expected an ip address', value: 2130706433 },
    ]);
  });

  it('keeps null: never infer an IP for this user', () => {
    expect(normalizeUser({ ip_address: null })).toEqual({ user: { ip_address: null }, errors: [] });
  });
});

describe('normalizeUser: geo', () => {
  it('keeps known keys with string values, upper-cases country_code', () => {
    expect(normalizeUser({ geo: { country_code: 'at', city: 'Vienna' } })).toEqual({
      user: { geo: { country_code: 'AT', city: 'Vienna' } },
      errors: [],
    });
  });

  it('drops unknown keys, non-strings and bad country codes', () => {
    expect(
      normalizeUser({ id: 1, geo: { city: 5, country_code: 'DEU', lat: 52.5, region: 'BE' } }),
    ).toEqual({
      user: { id: '1', geo: { region: 'BE' } },
      errors: [
        { path: 'geo.city', reason: 'expected a string, got a number', value: 5 },
        { path: 'geo.country_code', reason: 'expected a two-letter country code', value: 'DEU' },
        { path: 'geo.lat', reason: 'unknown geo field' },
      ],
    });
  });

  it('drops a geo that is not an object, and an empty geo', () => {
    expect(normalizeUser({ id: 'a', geo: 'Berlin' })).toEqual({
      user: { id: 'a' },
      errors: [{ path: 'geo', reason: 'expected an object', value: 'Berlin' }],
    });
    expect(normalizeUser({ id: 'a', geo: { city: ' ' } })).toEqual({
      user: { id: 'a' },
      errors: [],
    });
  });
});

describe('normalizeUser: custom data', () => {
  it('keeps JSON-serializable custom keys; keys are case-sensitive', () => {
    const input = {
      id: 'a',
      Email: 'A@X.IO',
      subscription: 'pro',
      seats: 3,
      beta: true,
      meta: { tags: ['x', 1] },
    };
    expect(normalizeUser(input)).toEqual({ user: input, errors: [] });
  });

  it('removes functions, symbols, bigints and non-finite numbers with an error', () => {
    expect(
      normalizeUser({
        id: 'a',
        fn: () => 1,
        sym: Symbol('s'),
        big: 10n,
        nan: Number.NaN,
        nested: { f() {} },
      }),
    ).toEqual({
      user: { id: 'a', nested: {} },
      errors: [
        { path: 'fn', reason: 'function is not JSON-serializable' },
        { path: 'sym', reason: 'symbol is not JSON-serializable' },
        { path: 'big', reason: 'bigint is not JSON-serializable' },
        { path: 'nan', reason: 'expected a finite number', value: 'NaN' },
        { path: 'nested.f', reason: 'function is not JSON-serializable' },
      ],
    });
  });

  it('removes circular references', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const shared = { n: 1 };
    expect(normalizeUser({ id: 'a', loop, a: shared, b: [shared, shared] })).toEqual({
      user: { id: 'a', loop: { name: 'loop' }, a: { n: 1 }, b: [{ n: 1 }, { n: 1 }] },
      errors: [{ path: 'loop.self', reason: 'circular reference' }],
    });
  });

  it('removes values nested deeper than the limit', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10; i++) deep = { d: deep };
    const { user, errors } = normalizeUser({ id: 'a', deep });
    expect(errors).toEqual([
      { path: 'deep.d.d.d.d.d.d.d.d', reason: 'nested deeper than 8 levels' },
    ]);
    expect(JSON.stringify(user)).toBe(
      '{"id":"a","deep":{"d":{"d":{"d":{"d":{"d":{"d":{"d":{}}}}}}}}}',
    );
  });

  it('serializes Dates as JSON would', () => {
    expect(normalizeUser({ id: 'a', since: new Date('2026-01-02T03:04:05.000Z') }).user).toEqual({
      id: 'a',
      since: '2026-01-02T03:04:05.000Z',
    });
  });

  it('never lets __proto__, constructor or prototype reach a prototype', () => {
    const input = JSON.parse(
      '{"id":"a","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1,"x":{"__proto__":{"polluted":true}}}',
    );
    const { user, errors } = normalizeUser(input);
    expect(user).toEqual({ id: 'a', x: {} });
    expect(Object.getPrototypeOf(user)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect((user as { polluted?: boolean }).polluted).toBeUndefined();
    expect(errors.map((e) => e.path)).toEqual([
      '__proto__',
      'constructor',
      'prototype',
      'x.__proto__',
    ]);
  });
});

describe('normalizeUser: never throws', () => {
  it('returns null for nothing, and an error for non-objects', () => {
    expect(normalizeUser(undefined)).toEqual({ user: null, errors: [] });
    expect(normalizeUser(null)).toEqual({ user: null, errors: [] });
    expect(normalizeUser('alice')).toEqual({
      user: null,
      errors: [{ path: '', reason: 'expected an object', value: 'alice' }],
    });
    expect(normalizeUser([{ id: 1 }]).user).toBeNull();
    expect(normalizeUser(5n)).toEqual({
      user: null,
      errors: [{ path: '', reason: 'expected an object', value: '5n' }],
    });
  });

  it('a user with no field left is null', () => {
    expect(normalizeUser({})).toEqual({ user: null, errors: [] });
    expect(normalizeUser({ ip_address: 'bad' }).user).toBeNull();
  });

  it('survives throwing getters', () => {
    const input = {
      id: 'a',
      get email(): string {
        throw new Error('nope');
      },
    };
    expect(normalizeUser(input)).toEqual({
      user: { id: 'a' },
      errors: [{ path: 'email', reason: 'could not be read: nope' }],
    });
  });

  it('survives Proxies, including revoked ones and ones whose traps throw', () => {
    const { proxy, revoke } = Proxy.revocable({ id: 'a' }, {});
    expect(normalizeUser(proxy).user).toEqual({ id: 'a' });
    revoke();
    expect(normalizeUser(proxy).user).toBeNull();
    expect(normalizeUser({ id: 'b', nested: proxy }).user).toEqual({ id: 'b' });
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys');
        },
      },
    );
    expect(normalizeUser(hostile)).toEqual({
      user: null,
      errors: [{ path: '', reason: 'keys could not be read: ownKeys' }],
    });
  });

  it('handles frozen objects and 10 MB strings', () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const input = Object.freeze({ id: huge, email: huge, custom: huge, username: 'ok' });
    const { user, errors } = normalizeUser(input);
    expect(user).toEqual({ username: 'ok' });
    expect(errors.map((e) => [e.path, e.reason])).toEqual([
      ['id', 'longer than 128 characters'],
      ['email', 'longer than 75 characters'],
      ['custom', 'longer than 16384 characters'],
    ]);
    expect(String(errors[0]?.value).length).toBeLessThanOrEqual(201);
  });

  it('never mutates its input', () => {
    const input = { id: 7, geo: { country_code: 'de' }, fn: () => 1 };
    normalizeUser(input);
    expect(input.id).toBe(7);
    expect(input.geo.country_code).toBe('de');
    expect(typeof input.fn).toBe('function');
  });
});
