// One client-IP rule: core's clientIpFromHeaders, what @x/next users import (the built package),
// the inbox's createClientIp and Express's own `trust proxy` (proxy-addr, canonicalized by core's
// parseIp) give the same answer for every trust setting × X-Forwarded-For × socket below, and on
// random chains. Where there is no socket (Next's route handlers), the reference is proxy-addr
// with a trusted stand-in for the socket, which is never an answer.
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import proxyaddr from 'proxy-addr';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientIpFromHeaders, type TrustProxy } from '../packages/core/src/clientIp';
import { parseIp } from '../packages/core/src/ip';
import { createClientIp } from '../packages/inbox/src/clientIp';

type NextModule = typeof import('../packages/next/src/index');
type Headers = Record<string, string>;

const root = join(__dirname, '..');
let next: NextModule;

beforeAll(async () => {
  next = (await import(join(root, 'packages/next/dist/index.js'))) as NextModule;
});

// Not an address: if proxy-addr answers the stand-in, canonicalizing it gives `undefined`.
const NO_SOCKET = 'no-socket';

/** Express's `compileTrust` (express/lib/utils.js) for the settings both sides take. */
function expressTrust(trust: TrustProxy): (addr: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (typeof trust === 'number') return (_addr, hop) => hop < trust;
  const list = typeof trust === 'string' ? trust.split(',').map((part) => part.trim()) : trust;
  return proxyaddr.compile(list === false ? [] : [...list]);
}

/**
 * What Express answers, canonicalized. Without a socket, a stand-in takes its place: any
 * address for `false`, `true` and counts (they never look at it), a trusted one for lists.
 */
function reference(trust: TrustProxy, headers: Headers, socket: string | undefined) {
  const trusted = expressTrust(trust);
  const isList = typeof trust === 'string' || Array.isArray(trust);
  const check =
    socket === undefined && isList
      ? (addr: string, hop: number) => hop === 0 || trusted(addr, hop)
      : trusted;
  const req = { headers, socket: { remoteAddress: socket ?? NO_SOCKET } };
  const answer = proxyaddr(req as unknown as IncomingMessage, check);
  return answer === undefined ? undefined : (parseIp(answer) ?? undefined);
}

/** Every implementation's answer for one input; `reference` only where proxy-addr has one. */
function answers(
  trust: TrustProxy,
  headers: Headers,
  socket: string | undefined,
  withReference: boolean,
) {
  const req = { headers, socket: { remoteAddress: socket } } as unknown as IncomingMessage;
  const web = new Headers(headers);
  return {
    core: clientIpFromHeaders(headers, trust, socket),
    coreWebHeaders: clientIpFromHeaders(web, trust, socket),
    next: next.clientIpFromHeaders(headers, trust, socket),
    nextWebHeaders: next.clientIpFromHeaders(web, trust, socket),
    inbox: createClientIp(trust)(req),
    ...(withReference ? { reference: reference(trust, headers, socket) } : {}),
  };
}

/** The inputs where the implementations disagree, with every answer. */
function disagreements(
  trust: TrustProxy,
  rows: [Headers, string | undefined][],
  withReference = true,
) {
  return rows.flatMap(([headers, socket]) => {
    const all = answers(trust, headers, socket, withReference);
    const values = new Set(Object.values(all));
    return values.size === 1 ? [] : [{ headers, socket, ...all }];
  });
}

const MANY = Array.from({ length: 60 }, (_, i) =>
  i % 3 === 0 ? `10.0.${i}.1` : i % 3 === 1 ? `172.16.${i}.2` : `203.0.113.${i}`,
).join(', ');

const FORWARDED_FOR: (string | undefined)[] = [
  undefined,
  '',
  '   ',
  ' , ,',
  '203.0.113.1',
  '203.0.113.1, 10.0.0.1',
  '203.0.113.1,10.0.0.2,127.0.0.1',
  ' 198.51.100.7 ,  10.1.2.3 ',
  '198.51.100.7,,10.1.2.3, ,127.0.0.2',
  '2001:db8::1, fd00::2',
  '2001:DB8:0:0:0:0:0:1, ::1',
  '::ffff:203.0.113.5, ::ffff:10.0.0.3',
  '203.0.113.5, ::FFFF:7F00:1',
  '::10.0.0.1, 10.0.0.2',
  '169.254.1.1, fe80::2',
  'fe80::1%eth0, 10.0.0.1',
  'garbage, 10.0.0.1',
  '203.0.113.1, garbage',
  '10.0.0.1, 300.1.1.1, 127.0.0.1',
  '203.0.113.1, 010.0.0.1',
  '[2001:db8::1], 10.0.0.1',
  '203.0.113.1:8080, 10.0.0.1',
  '1.2.3.4 5.6.7.8, 10.0.0.1',
  '192.168.0.1,\t10.0.0.1',
  'unknown',
  MANY,
  `${MANY}, 127.0.0.1`,
];

const SOCKETS: (string | undefined)[] = [
  '127.0.0.1',
  '10.0.0.9',
  '203.0.113.77',
  '::1',
  '::ffff:127.0.0.1',
  '2001:db8::99',
  'fe80::1%eth0',
  undefined,
];

const ROWS = FORWARDED_FOR.flatMap((xff) =>
  SOCKETS.map((socket): [Headers, string | undefined] => [
    xff === undefined ? {} : { 'x-forwarded-for': xff },
    socket,
  ]),
);

const SETTINGS: TrustProxy[] = [
  false,
  true,
  0,
  1,
  2,
  3,
  10,
  64,
  '10.0.0.0/8',
  '127.0.0.1',
  'loopback',
  'loopback, uniquelocal',
  'linklocal',
  ['loopback', '10.0.0.0/8'],
  ['fd00::/8', '::1', '2001:db8::/32'],
  '::ffff:10.0.0.0/104',
  ['172.16.0.0/255.240.0.0', '127.0.0.0/255.0.0.0'],
  ['203.0.113.0/24', '10.0.0.0/8', '172.16.0.0/12', '127.0.0.1'],
  ['::/96', '10.0.0.0/8'],
  [],
];

describe('one client-IP rule: core, @x/next, the inbox and Express (proxy-addr)', () => {
  it.each(SETTINGS.map((trust) => [JSON.stringify(trust), trust] as const))(
    'trust %s: the same client IP for every X-Forwarded-For and socket',
    (_name, trust) => {
      expect(disagreements(trust, ROWS)).toEqual([]);
    },
  );

  it('the presets: x-real-ip / cf-connecting-ip, the same everywhere', () => {
    const rows: [TrustProxy, Headers, string | undefined, string | undefined][] = [
      [
        'vercel',
        { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '6.6.6.6' },
        '10.0.0.1',
        '203.0.113.9',
      ],
      ['vercel', { 'x-real-ip': ' ::FFFF:203.0.113.9 ' }, undefined, '203.0.113.9'],
      ['vercel', { 'x-forwarded-for': ' , 203.0.113.9, 10.0.0.1' }, undefined, '203.0.113.9'],
      ['vercel', { 'x-real-ip': 'junk', 'x-forwarded-for': 'junk' }, '10.0.0.1', '10.0.0.1'],
      ['vercel', {}, undefined, undefined],
      [
        'cloudflare',
        { 'cf-connecting-ip': '2001:db8::1', 'x-forwarded-for': '6.6.6.6' },
        undefined,
        '2001:db8::1',
      ],
      ['cloudflare', { 'x-forwarded-for': '6.6.6.6' }, undefined, undefined],
      ['cloudflare', { 'x-forwarded-for': '6.6.6.6' }, '::ffff:10.0.0.1', '10.0.0.1'],
    ];
    for (const [trust, headers, socket, expected] of rows) {
      expect(answers(trust, headers, socket, false)).toEqual({
        core: expected,
        coreWebHeaders: expected,
        next: expected,
        nextWebHeaders: expected,
        inbox: expected,
      });
    }
  });

  it('random chains, sockets and CIDR / count settings: the same as Express', () => {
    const address = fc.oneof(
      fc
        .constantFrom('10', '127', '172.16', '172.31', '192.168', '203.0.113', '169.254')
        .chain((net) =>
          fc
            .array(fc.integer({ min: 0, max: 255 }), {
              minLength: 4 - net.split('.').length,
              maxLength: 4 - net.split('.').length,
            })
            .map((rest) => [net, ...rest].join('.')),
        ),
      fc
        .constantFrom(
          '::1',
          'fd00::',
          'fe80::',
          '2001:db8::',
          '::ffff:10.0.0.',
          '::ffff:203.0.113.',
          '::',
        )
        .chain((prefix) =>
          fc
            .integer({ min: 0, max: 255 })
            .map((n) =>
              prefix.endsWith('.')
                ? `${prefix}${n}`
                : prefix === '::1'
                  ? prefix
                  : `${prefix}${n.toString(16)}`,
            ),
        ),
      fc.constantFrom('unknown', 'garbage', '1.2.3', '2001:db8::g', '10.0.0.256'),
    );
    const header = fc
      .array(
        fc.tuple(address, fc.constantFrom('', ' ', '  '), fc.constantFrom(',', ', ', ' ,', ',,')),
        { maxLength: 40 },
      )
      .map((parts) =>
        parts.map(([addr, pad, comma], i) => `${i ? comma : ''}${pad}${addr}${pad}`).join(''),
      );
    const network = fc.constantFrom(
      '10.0.0.0/8',
      '127.0.0.1',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '203.0.113.0/25',
      '203.0.113.128/255.255.255.128',
      'fd00::/8',
      'fe80::/10',
      '2001:db8::/32',
      '::ffff:10.0.0.0/104',
      '::/96',
      'loopback',
      'linklocal',
      'uniquelocal',
    );
    const trust: fc.Arbitrary<TrustProxy> = fc.oneof(
      fc.boolean(),
      fc.integer({ min: 0, max: 50 }),
      fc.uniqueArray(network, { maxLength: 4 }),
      fc.uniqueArray(network, { minLength: 1, maxLength: 3 }).map((list) => list.join(', ')),
    );
    fc.assert(
      fc.property(
        trust,
        fc.option(header, { nil: undefined }),
        fc.option(address, { nil: undefined }),
        (t, xff, socket) => {
          const headers: Headers = xff === undefined ? {} : { 'x-forwarded-for': xff };
          expect(disagreements(t, [[headers, socket]])).toEqual([]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('differs from Express only where documented', () => {
    const compare = (trust: TrustProxy, xff: string, socket: string) => ({
      core: clientIpFromHeaders({ 'x-forwarded-for': xff }, trust, socket),
      express: reference(trust, { 'x-forwarded-for': xff }, socket),
    });
    // Beyond the 64 entries nearest the server, the walk stops.
    const long = Array.from({ length: 80 }, (_, i) => `10.0.0.${i}`).join(', ');
    expect(compare(100, long, '127.0.0.1')).toEqual({ core: '10.0.0.16', express: '10.0.0.0' });
    expect(compare('10.0.0.0/8', `203.0.113.1, ${long}`, '10.1.1.1')).toEqual({
      core: '10.0.0.16',
      express: '203.0.113.1',
    });
    // ipaddr.js's legacy IPv4 forms (hex, octal, one 32-bit number) are no address for core.
    expect(compare('loopback', '203.0.113.1, 0x7f.0.0.1', '127.0.0.1')).toEqual({
      core: undefined,
      express: '203.0.113.1',
    });
    // Settings Express takes but that trust nothing or are no whole count throw in core.
    expect(() => clientIpFromHeaders({}, ['::ffff:0:0/80'])).toThrow(/trustProxy entry/);
    expect(() => proxyaddr.compile(['::ffff:0:0/80'])).not.toThrow();
    expect(() => clientIpFromHeaders({}, 1.5)).toThrow(/hop count/);
  });
});
