// Hostile input for adapter fuzz tests: header sets (malformed, giant, spoofed IPs, long
// X-Forwarded-For chains), hostile auth-user objects, and a raw HTTP client that sends them
// as-is (fetch would refuse or rewrite some).

import { request } from 'node:http';
import fc from 'fast-check';
import { expect } from 'vitest';

/** Every header a client can use to claim an IP. */
export const SPOOF_HEADERS = [
  'x-forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'cf-connecting-ip',
  'forwarded',
  'true-client-ip',
] as const;

/** The IP every spoofing header claims in the tests. */
export const SPOOFED_IP = '6.6.6.6';

/** Headers that claim {@link SPOOFED_IP} in every known way. */
export function spoofedHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of SPOOF_HEADERS)
    headers[name] = name === 'forwarded' ? `for=${SPOOFED_IP}` : SPOOFED_IP;
  return headers;
}

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 200,
});
const headerName = fc.oneof(
  fc.constantFrom(
    ...SPOOF_HEADERS,
    'cookie',
    'authorization',
    'user-agent',
    'accept',
    'content-type',
    'x-user-kind',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
);
const ipish = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constant('fe80::1%eth0'),
  fc.constant('::ffff:10.0.0.1'),
  printable,
);
const xffChain = fc
  .tuple(fc.array(ipish, { maxLength: 20 }), fc.integer({ min: 0, max: 3000 }))
  .map(([ips, extra]) =>
    [
      ...ips,
      ...Array.from(
        { length: extra },
        (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      ),
    ].join(', '),
  );
const giant = fc.integer({ min: 1, max: 200 }).map((kb) => 'x'.repeat(kb * 1024));

/** One request's headers: random, spoofing, with long chains and giant values. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.dictionary(headerName, fc.oneof(printable, ipish), { maxKeys: 12 }),
    fc.option(xffChain, { nil: undefined }),
    fc.option(giant, { nil: undefined }),
    fc.constantFrom(
      'plain',
      'proxy',
      'throwing',
      'cyclic',
      'huge',
      'revoked',
      'nullproto',
      'number',
    ),
  )
  .map(([base, chain, big, kind]) => {
    const headers: Record<string, string> = { ...base, 'x-user-kind': kind };
    if (chain !== undefined) headers['x-forwarded-for'] = chain;
    if (big !== undefined) headers['x-giant'] = big;
    return headers;
  });

/** An auth user object of the given kind, as a hostile or buggy auth layer might set it. */
export function hostileUser(kind: string | undefined): unknown {
  switch (kind) {
    case 'proxy':
      return new Proxy(
        { id: 'p' },
        {
          get: () => {
            throw new Error('proxy trap');
          },
          ownKeys: () => {
            throw new Error('keys');
          },
        },
      );
    case 'throwing':
      return Object.defineProperty({ username: 'u' }, 'id', {
        enumerable: true,
        get: () => {
          throw new Error('getter');
        },
      });
    case 'cyclic': {
      const user: Record<string, unknown> = { id: 'cyc' };
      user.self = user;
      return user;
    }
    case 'huge':
      return {
        id: 'h'.repeat(1024 * 1024),
        email: 'e'.repeat(1024 * 1024),
        note: 'n'.repeat(1024 * 1024),
      };
    case 'revoked': {
      const { proxy, revoke } = Proxy.revocable({ id: 'r' }, {});
      revoke();
      return proxy;
    }
    case 'nullproto':
      return Object.assign(Object.create(null), { id: 'np', __proto__: { polluted: true } });
    case 'number':
      return 42;
    default:
      return { id: 'plain-user', username: 'plain', email: 'plain@example.com' };
  }
}

/**
 * The status {@link rawGet} reports when Node's HTTP parser refused the request before any app
 * code ran (headers over `maxHeaderSize`): the server answers 431 and closes, and depending on
 * the Node version and timing the client reads the 431 or a reset while still writing.
 */
export const REFUSED_BY_PARSER = 431;

/** A raw HTTP/1.1 GET with exactly these headers; resolves with status and body. */
export function rawGet(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path, method: 'GET', headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Node's parser refused the headers (431) and closed the socket mid-write.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        resolve({ status: REFUSED_BY_PARSER, body: '' });
      } else reject(error);
    });
    req.end();
  });
}

/** The parts of a sent event the tests read. */
export interface RecordedEvent {
  exception?: unknown;
  user?: Record<string, unknown>;
  request?: { headers?: Record<string, string>; env?: Record<string, string> };
  [key: string]: unknown;
}

/** A transport that keeps the exact bytes @x would send (the SDK's own pluggable transport API). */
export function recordingTransport() {
  const bodies: (string | Uint8Array)[] = [];
  const decoder = new TextDecoder();
  const text = (body: string | Uint8Array) =>
    typeof body === 'string' ? body : decoder.decode(body);
  return {
    bodies,
    /** Pass as `init({ transport })`. */
    transport: () => ({
      send(envelope: { body: string | Uint8Array }) {
        bodies.push(envelope.body);
      },
      flush: async () => true,
    }),
    /** Everything sent, as text. */
    text: () => bodies.map(text).join('\n'),
    /** The event items sent (our envelopes: header line, item header line, payload line). */
    events: () =>
      bodies
        .map((b) => text(b).split('\n'))
        .filter((lines) => lines[1]?.includes('"type":"event"'))
        .map((lines) => JSON.parse(lines[2] ?? '{}') as RecordedEvent),
  };
}

/**
 * Sends the same generated requests (hostile headers; `/ok`, `/boom`, `/message`) to a bare app
 * and to the app with @x, and expects identical answers. Returns how many `/boom` requests
 * answered 500 (each must have produced one event).
 */
export async function expectSameAnswers(
  bareUrl: string,
  xUrl: string,
  numRuns: number,
): Promise<number> {
  let booms = 0;
  await fc.assert(
    fc.asyncProperty(
      hostileHeaders,
      fc.constantFrom('/ok', '/boom', '/message'),
      async (headers, path) => {
        const [a, b] = await Promise.all([
          rawGet(bareUrl, path, headers),
          rawGet(xUrl, path, headers),
        ]);
        if (a.status === REFUSED_BY_PARSER) expect(b.status).toBe(REFUSED_BY_PARSER);
        else expect(b).toEqual(a);
        if (path === '/boom' && a.status === 500) booms++;
      },
    ),
    { numRuns },
  );
  return booms;
}

/**
 * Expects that what @x sent (without `sendDefaultPii`) holds no client IP, no spoofed IP, no
 * auth-user email, no cookie, no `Authorization` header and no `REMOTE_ADDR`.
 */
export function expectNoPersonalData(recorder: ReturnType<typeof recordingTransport>): void {
  const sent = recorder.text();
  expect(sent).not.toContain(SPOOFED_IP);
  expect(sent).not.toContain('plain@example.com');
  for (const event of recorder.events()) {
    expect(event.user?.ip_address).toBeUndefined();
    expect(event.request?.headers?.cookie).toBeUndefined();
    expect(event.request?.headers?.authorization).toBeUndefined();
    expect(event.request?.env).toBeUndefined();
  }
}
