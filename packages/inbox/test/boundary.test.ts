// The inbox at the network boundary — Host allow-list (DNS rebinding), credentials when
// bound beyond loopback, all-or-nothing envelopes, Relay's ingest limits and length caps.
// Everything goes over real HTTP to a real inbox on 127.0.0.1.
import { request } from 'node:http';
import { connect } from 'node:net';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cliArgs';
import { Gate } from '../src/gate';
import {
  envelope,
  eventEnvelope,
  type Item,
  newEventId,
  sendEvent,
  startTestInbox,
  type TestInbox,
} from './helpers';

const MiB = 1024 * 1024;

/** The answer to a raw request. */
interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with any headers (fetch does not let a test set `Host`). */
function raw(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
  } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/api/health',
        headers: options.headers ?? {},
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends `text` as is on a new connection and returns the status line and the body. */
function rawSocket(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.on('data', (chunk) => {
      out += chunk.toString();
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

const ingestHeaders = {
  'Content-Type': 'application/x-sentry-envelope',
  'X-Sentry-Auth': 'Sentry sentry_version=7, sentry_key=xinboxdevkey',
};

describe('Host allow-list (DNS rebinding)', () => {
  let inbox: TestInbox;
  let wide: TestInbox;
  beforeAll(async () => {
    [inbox, wide] = await Promise.all([
      startTestInbox(),
      startTestInbox({ allowedHosts: ['inbox.test', '.dev.test'] }),
    ]);
  });
  afterAll(() => Promise.all([inbox.dispose(), wide.dispose()]));

  it('answers localhost, 127.0.0.1 and [::1], with or without a port', async () => {
    for (const host of [
      'localhost',
      `localhost:${inbox.port}`,
      'LOCALHOST.',
      '127.0.0.1',
      `127.0.0.1:${inbox.port}`,
      '[::1]',
      `[::1]:${inbox.port}`,
      'app.localhost:3000',
    ]) {
      const answer = await raw(inbox.port, { headers: { Host: host } });
      expect(answer.status, host).toBe(200);
    }
  });

  it('refuses a foreign Host with 403 and a reason on the API, the UI, /settings and ingest', async () => {
    for (const path of ['/api/health', '/api/events', '/', '/settings', '/ui/latest']) {
      const answer = await raw(inbox.port, { path, headers: { Host: 'attacker.example' } });
      expect(answer.status, path).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({
        detail:
          'host "attacker.example" is not allowed: start the inbox with --allowed-hosts attacker.example to accept it',
      });
      expect(answer.body).not.toContain('xinboxdevkey');
    }
    const id = newEventId();
    const ingest = await raw(inbox.port, {
      method: 'POST',
      path: '/api/1/envelope/',
      headers: { ...ingestHeaders, Host: 'attacker.example:8969' },
      body: eventEnvelope({ event_id: id, message: 'rebound' }),
    });
    expect(ingest.status).toBe(403);
    const preflight = await raw(inbox.port, {
      method: 'OPTIONS',
      path: '/api/1/envelope/',
      headers: { Host: 'attacker.example', Origin: 'http://attacker.example' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect((await fetch(`${inbox.url}/api/events/${id}`)).status).toBe(404);
  });

  it('refuses an empty Host and HTTP/1.0 without one', async () => {
    expect((await raw(inbox.port, { headers: { Host: '' } })).status).toBe(403);
    const http10 = await rawSocket(inbox.port, 'GET /settings HTTP/1.0\r\n\r\n');
    expect(http10).toMatch(/^HTTP\/1\.1 403 /);
    expect(http10).toContain('{"detail":"a Host header is required"}');
    expect(http10).not.toContain('Settings');
  });

  it('--allowed-hosts adds names and domains (the CLI splits on commas)', async () => {
    for (const host of ['inbox.test', 'inbox.test:8969', 'dev.test', 'a.dev.test']) {
      expect((await raw(wide.port, { headers: { Host: host } })).status, host).toBe(200);
    }
    expect((await raw(wide.port, { headers: { Host: 'other.test' } })).status).toBe(403);
    expect((await raw(wide.port, { headers: { Host: 'inbox.test.evil' } })).status).toBe(403);
    expect(parseCliArgs(['--allowed-hosts', 'a.test, .b.test'])).toMatchObject({
      allowedHosts: ['a.test', '.b.test'],
    });
  });

  it('SDKs sending to the DSN host are answered', async () => {
    const dsnHost = new URL(inbox.dsn).host;
    const answer = await raw(inbox.port, {
      method: 'POST',
      path: '/api/1/envelope/',
      headers: { ...ingestHeaders, Host: dsnHost },
      body: eventEnvelope({ message: 'from the DSN host' }),
    });
    expect(answer.status).toBe(200);
  });
});

describe('binding beyond loopback', () => {
  let open: TestInbox;
  beforeAll(async () => {
    open = await startTestInbox({ host: '0.0.0.0' });
  });
  afterAll(() => open.dispose());

  it('warns loudly, naming the address actually bound, and puts the UI and API behind a generated token', async () => {
    expect(open.exposed).toBe(true);
    expect(open.boundUrl).toBe(`http://0.0.0.0:${open.port}`);
    expect(open.logs).toHaveLength(1);
    expect(open.logs[0]).toMatch(
      new RegExp(
        `^@x/inbox: WARNING: listening on http://0\\.0\\.0\\.0:${open.port}, reachable from other machines on every network interface`,
      ),
    );
    expect(open.logs[0]).not.toContain(open.uiToken);
    const token = open.uiToken as string;
    expect(token).toMatch(/^[\w-]{32}$/);
    for (const path of ['/api/health', '/api/events', '/', '/settings', '/ui/latest']) {
      const answer = await fetch(`${open.url}${path}`);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="x-inbox", charset="UTF-8"');
      expect(await answer.text()).not.toContain('xinboxdevkey');
    }
    const wrong = await fetch(`${open.url}/api/health`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const bearer = await fetch(`${open.url}/api/health`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    const basic = await fetch(`${open.url}/settings`, {
      headers: { Authorization: `Basic ${Buffer.from(`me:${token}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('ingest keeps its DSN-key auth (no token needed)', async () => {
    const answer = await fetch(`${open.url}/api/1/envelope/`, {
      method: 'POST',
      headers: ingestHeaders,
      body: eventEnvelope({ message: 'from the LAN' }),
    });
    expect(answer.status).toBe(200);
  });

  it('--no-auth (uiAuth: false) leaves them open, and says so in the warning', async () => {
    const bare = await startTestInbox({ host: '0.0.0.0', uiAuth: false });
    try {
      expect(bare.uiToken).toBeUndefined();
      expect(bare.logs[0]).toContain('the UI and API are OPEN to them (--no-auth)');
      expect((await fetch(`${bare.url}/api/health`)).status).toBe(200);
    } finally {
      await bare.dispose();
    }
  });

  it('--ui-auth TOKEN protects a loopback inbox too, without a warning', async () => {
    const guarded = await startTestInbox({ uiAuth: 'my-own-token' });
    try {
      expect(guarded.logs).toEqual([]);
      expect((await fetch(`${guarded.url}/`)).status).toBe(401);
      const ok = await fetch(`${guarded.url}/`, {
        headers: { Authorization: 'Bearer my-own-token' },
      });
      expect(ok.status).toBe(200);
      expect(parseCliArgs(['--ui-auth', 'my-own-token'])).toMatchObject({ uiAuth: 'my-own-token' });
      expect(parseCliArgs(['--no-auth'])).toMatchObject({ uiAuth: false });
      expect(() => parseCliArgs(['--ui-auth', 'short'])).toThrow('at least 8 characters');
    } finally {
      await guarded.dispose();
    }
  });

  it('a loopback inbox stays open and quiet by default', async () => {
    const local = await startTestInbox();
    try {
      expect(local.exposed).toBe(false);
      expect(local.uiToken).toBeUndefined();
      expect(local.boundUrl).toBe(local.url);
      expect(local.logs).toEqual([]);
    } finally {
      await local.dispose();
    }
  });

  it('/settings does not print the --key secret', async () => {
    const keyed = await startTestInbox({ key: 'secretkey77' });
    try {
      const page = await (await fetch(`${keyed.url}/settings`)).text();
      expect(page).toContain('Settings');
      expect(page).not.toContain('secretkey77');
      const issues = await (await fetch(`${keyed.url}/`)).text();
      expect(issues).not.toContain('secretkey77');
      expect(keyed.dsn).toContain('secretkey77@');
    } finally {
      await keyed.dispose();
    }
  });
});

/** `levels` nested arrays around `leaf`, as JSON text. */
function nested(levels: number, leaf = '1'): string {
  return `${'['.repeat(levels)}${leaf}${']'.repeat(levels)}`;
}

describe('all-or-nothing envelopes: nesting beyond the depth limit', () => {
  let inbox: TestInbox;
  beforeAll(async () => {
    inbox = await startTestInbox();
  });
  afterAll(() => inbox.dispose());

  const deep = nested(10_000);
  const frame = (vars: string) =>
    `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f","vars":{"v":${vars}}}]}}]}}`;
  it.each([
    ['extra', `{"extra":{"x":${deep}}}`],
    ['contexts', `{"contexts":{"c":{"x":${deep}}}}`],
    ['tags', `{"tags":{"t":${deep}}}`],
    ['breadcrumbs', `{"breadcrumbs":[{"data":{"x":${deep}}}]}`],
    ['frame vars', frame(deep)],
    ['user', `{"user":{"id":"u","data":{"x":${deep}}}}`],
  ])(
    '10,000 levels in %s: 400 with a reason, and the items before it are not stored',
    async (_, event) => {
      const before = (await (await fetch(`${inbox.url}/api/health`)).json()) as Record<
        string,
        number
      >;
      const body = Buffer.from(
        [
          '{}',
          '{"type":"client_report"}',
          '{"timestamp":1,"discarded_events":[{"reason":"queue_overflow","category":"error","quantity":1}]}',
          '{"type":"event"}',
          event,
        ].join('\n'),
      );
      const answer = await fetch(`${inbox.url}/api/1/envelope/`, {
        method: 'POST',
        headers: ingestHeaders,
        body,
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({
        detail: 'malformed envelope: item 2 (event) is nested deeper than 128 levels',
      });
      const after = (await (await fetch(`${inbox.url}/api/health`)).json()) as Record<
        string,
        number
      >;
      expect(after.events).toBe(before.events);
      expect(after.client_reports).toBe(before.client_reports);
    },
  );

  it('a deep client report refuses the whole envelope too, event included', async () => {
    const id = newEventId();
    const body = Buffer.from(
      [
        `{"event_id":"${id}"}`,
        '{"type":"event"}',
        `{"event_id":"${id}","message":"first"}`,
        '{"type":"client_report"}',
        `{"timestamp":1,"discarded_events":${deep}}`,
      ].join('\n'),
    );
    const answer = await fetch(`${inbox.url}/api/1/envelope/`, {
      method: 'POST',
      headers: ingestHeaders,
      body,
    });
    expect(answer.status).toBe(400);
    expect((await fetch(`${inbox.url}/api/events/${id}`)).status).toBe(404);
  });

  it('the legacy store endpoint answers 400 too; 128 levels are still accepted', async () => {
    const store = await fetch(`${inbox.url}/api/1/store/`, {
      method: 'POST',
      headers: ingestHeaders,
      body: `{"extra":{"x":${deep}}}`,
    });
    expect(store.status).toBe(400);
    expect(await store.json()).toEqual({
      detail: 'malformed envelope: event is nested deeper than 128 levels',
    });
    const ok = await fetch(`${inbox.url}/api/1/store/`, {
      method: 'POST',
      headers: ingestHeaders,
      body: `{"extra":{"x":${nested(126)}}}`,
    });
    expect(ok.status).toBe(200);
  });
});

describe('ingest limits (Relay: 413 for an envelope over its limits)', () => {
  let inbox: TestInbox;
  beforeAll(async () => {
    inbox = await startTestInbox();
  });
  afterAll(() => inbox.dispose());

  const send = (body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${inbox.url}/api/1/envelope/`, {
      method: 'POST',
      headers: { ...ingestHeaders, ...headers },
      body,
    });
  const health = async () =>
    (await (await fetch(`${inbox.url}/api/health`)).json()) as {
      events: number;
      refused: Record<string, number>;
      skipped_items: Record<string, number>;
    };

  it('one event per envelope: a second event-like item is 413 and nothing is stored', async () => {
    const first = newEventId();
    const body = envelope(
      {},
      [{ type: 'event' }, { event_id: first, message: 'one' }],
      [{ type: 'transaction' }, { type: 'transaction', spans: [] }],
    );
    const answer = await send(body);
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({
      detail: 'envelope has more than one event item (item 2 is a second "transaction")',
    });
    expect((await fetch(`${inbox.url}/api/events/${first}`)).status).toBe(404);
  });

  it('more than 1,000 items, or more than 100 sessions, is 413', async () => {
    const items = Array.from({ length: 1001 }, (): [Record<string, unknown>, unknown] => [
      { type: 'log' },
      { items: [] },
    ]);
    const many = await send(envelope({}, ...items));
    expect(many.status).toBe(413);
    expect(await many.json()).toEqual({ detail: 'envelope has more than 1000 items' });
    const sessions = Array.from({ length: 101 }, (): [Record<string, unknown>, unknown] => [
      { type: 'session' },
      { sid: 's' },
    ]);
    const answer = await send(envelope({}, ...sessions));
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({ detail: 'envelope has more than 100 session items' });
  });

  it('an item over its size limit is 413 (1 MiB for sessions and other small items)', async () => {
    const answer = await send(envelope({}, [{ type: 'session' }, { sid: 'x'.repeat(MiB) }]));
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({
      detail: `"session" item exceeds the limit of ${MiB} bytes`,
    });
  });

  it('the 50,000-event gzip body is refused quickly while /api/health keeps answering; refusals are counted', async () => {
    const event = { message: 'amplified', extra: { n: 1 } };
    const body = gzipSync(
      envelope({}, ...Array.from({ length: 50_000 }, (): Item => [{ type: 'event' }, event])),
      { level: 9 },
    );
    expect(body.length).toBeLessThan(64 * 1024);
    const before = await health();
    const started = performance.now();
    const bomb = send(body, { 'Content-Encoding': 'gzip' }).then(async (answer) => ({
      status: answer.status,
      body: await answer.json(),
      ms: performance.now() - started,
    }));
    const probes = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const t = performance.now();
        const answer = await fetch(`${inbox.url}/api/health`);
        return { status: answer.status, ms: performance.now() - t };
      }),
    );
    const refused = await bomb;
    console.log(
      `50,000-event gzip body (${body.length} bytes): refused in ${refused.ms.toFixed(0)} ms; /api/health meanwhile ${probes.map((p) => p.ms.toFixed(0)).join(', ')} ms`,
    );
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual({
      detail: 'envelope has more than one event item (item 2 is a second "event")',
    });
    expect(refused.ms).toBeLessThan(1000);
    for (const probe of probes) {
      expect(probe.status).toBe(200);
      expect(probe.ms).toBeLessThan(1000);
    }
    const after = await health();
    expect(after.events).toBe(before.events);
    expect(after.refused.too_large).toBe((before.refused.too_large ?? 0) + 1);
  });

  it('counts every kind of refusal in /api/health', async () => {
    await send('not json\n');
    await send(eventEnvelope({}), { 'Content-Encoding': 'zstd' });
    await fetch(`${inbox.url}/api/1/envelope/`, { method: 'POST', body: eventEnvelope({}) });
    await raw(inbox.port, { headers: { Host: 'evil.example' } });
    const { refused } = await health();
    expect(refused).toMatchObject({
      invalid: expect.any(Number),
      encoding: 1,
      auth: 1,
      host: 1,
    });
  });

  it('skipped_items counts known item types by name and every other type as "other"', async () => {
    const before = await health();
    const body = envelope(
      {},
      [{ type: 'attachment' }, 'a'],
      [{ type: 'x-1' }, 'b'],
      [{ type: 'x-2' }, 'c'],
      [{ type: '__proto__' }, 'd'],
    );
    expect((await send(body)).status).toBe(200);
    const after = await health();
    expect(Object.keys(after.skipped_items).sort()).toEqual(['attachment', 'other']);
    expect(after.skipped_items.other).toBe((before.skipped_items.other ?? 0) + 3);
  });
});

describe('memory under decompression bombs', () => {
  it('ten 256 MiB brotli bombs at once: 413 each, resident memory bounded by the limit times the concurrent decompressions', async () => {
    const inbox = await startTestInbox();
    try {
      const bomb = brotliCompressSync(Buffer.alloc(256 * MiB), {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 },
      });
      expect(bomb.length).toBeLessThan(2048);
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 2);
      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${inbox.url}/api/1/envelope/`, {
            method: 'POST',
            headers: { ...ingestHeaders, 'Content-Encoding': 'br' },
            body: bomb,
          }).then(async (answer) => ({ status: answer.status, body: await answer.json() })),
        ),
      );
      const ms = performance.now() - started;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      console.log(
        `10 brotli bombs (${bomb.length} bytes each, 256 MiB inflated): all answered in ${ms.toFixed(0)} ms; RSS ${(base / MiB).toFixed(0)} MiB before, peak +${((peak - base) / MiB).toFixed(0)} MiB`,
      );
      for (const answer of answers) {
        expect(answer).toEqual({
          status: 413,
          body: { detail: `decompressed body exceeds the limit of ${50 * MiB} bytes` },
        });
      }
      // Two decompressions at 50 MiB each, plus zlib's and the allocator's slack; was 2.3 GB.
      expect(peak - base).toBeLessThan(400 * MiB);
    } finally {
      await inbox.dispose();
    }
  });
});

describe('Gate (concurrent decompressions)', () => {
  it('lets `max` through, queues `maxWaiting`, refuses the rest with 503 and Retry-After', async () => {
    const gate = new Gate(1, 1);
    const first = await gate.acquire();
    const second = gate.acquire();
    await expect(gate.acquire()).rejects.toMatchObject({
      status: 503,
      headers: { 'Retry-After': '1' },
    });
    expect(gate.inUse).toBe(1);
    first();
    first(); // a second call is ignored
    const release = await second;
    expect(gate.inUse).toBe(1);
    release();
    expect(gate.inUse).toBe(0);
  });
});

describe("Relay's length caps, with _meta as Relay writes it", () => {
  it('cuts release, environment, server_name, transaction; keeps the last 250 frames and 100 breadcrumbs', async () => {
    const inbox = await startTestInbox();
    try {
      const frames = Array.from({ length: 300 }, (_, i) => ({ function: `f${i}`, lineno: i + 1 }));
      const breadcrumbs = Array.from({ length: 150 }, (_, i) => ({ message: `b${i}` }));
      const stored = await sendEvent(inbox, {
        release: 'r'.repeat(10_000),
        environment: 'e'.repeat(65),
        server_name: 's'.repeat(276),
        transaction: `GET /${'t'.repeat(300)}`,
        exception: { values: [{ type: 'Boom', value: 'x', stacktrace: { frames } }] },
        breadcrumbs,
      });
      // biome-ignore lint/suspicious/noExplicitAny: a stored event read in many places
      const event = stored.event as Record<string, any>;
      expect(event.release).toBe(`${'r'.repeat(197)}...`);
      expect(event.environment).toBe(`${'e'.repeat(61)}...`);
      expect(event.server_name).toBe('s'.repeat(276)); // within Relay's allowance of 20
      expect(event.transaction).toHaveLength(200);
      const kept = event.exception.values[0].stacktrace.frames;
      expect(kept).toHaveLength(250);
      expect(kept[0].function).toBe('f50');
      expect(kept.at(-1).function).toBe('f299');
      expect(event.breadcrumbs.values).toHaveLength(100);
      expect(event.breadcrumbs.values[0].message).toBe('b50');
      expect(event._meta).toMatchObject({
        release: { '': { rem: [['!limit', 's', 197, 200]], len: 10_000 } },
        environment: { '': { rem: [['!limit', 's', 61, 64]], len: 65 } },
        transaction: { '': { rem: [['!limit', 's', 197, 200]], len: 305 } },
        exception: { values: { 0: { stacktrace: { frames: { '': { len: 300 } } } } } },
        breadcrumbs: { values: { '': { len: 150 } } },
      });
      expect(event._meta.server_name).toBeUndefined();
      const longServer = await sendEvent(inbox, { server_name: 'ß'.repeat(277) });
      expect(longServer.event.server_name).toBe(`${'ß'.repeat(253)}...`);
      const issue = (await (await fetch(`${inbox.url}/api/issues/${stored.issue_id}`)).json()) as {
        release: string;
      };
      expect(issue.release).toHaveLength(200);
    } finally {
      await inbox.dispose();
    }
  });
});

describe('JSON responses', () => {
  it('carry nosniff and Cache-Control: no-store — API, errors and ingest answers', async () => {
    const inbox = await startTestInbox();
    try {
      const answers = [
        await fetch(`${inbox.url}/api/health`),
        await fetch(`${inbox.url}/api/events`),
        await fetch(`${inbox.url}/api/events/${newEventId()}`),
        await fetch(`${inbox.url}/api/nope`),
        await fetch(`${inbox.url}/api/1/envelope/`, {
          method: 'POST',
          headers: ingestHeaders,
          body: eventEnvelope({ message: 'headers' }),
        }),
        await fetch(`${inbox.url}/api/1/envelope/`, { method: 'POST', body: 'x' }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 404, 200, 400]);
      for (const answer of answers) {
        expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('cache-control')).toBe('no-store');
      }
    } finally {
      await inbox.dispose();
    }
  });
});

describe('--prevent-storing-ip leaves no IP anywhere in the stored event', () => {
  it('IP fields, forwarding headers, env, cookies, data, extra, messages and _meta originals', async () => {
    const inbox = await startTestInbox({ preventStoringIp: true, trustProxy: true });
    try {
      const ips = ['8.8.8.8', '81.2.69.142', '2001:db8::7', '10.1.2.3', '::ffff:192.0.2.9'];
      const id = newEventId();
      const answer = await fetch(`${inbox.url}/api/1/envelope/`, {
        method: 'POST',
        headers: { ...ingestHeaders, 'X-Forwarded-For': '81.2.69.142' },
        body: eventEnvelope({
          event_id: id,
          platform: 'javascript',
          message: 'from 8.8.8.8 via 10.1.2.3',
          release: 'app@1.2.3.4',
          user: { id: 'u1', ip_address: '8.8.8.8 ', email: 'a@example.test', home: '2001:db8::7' },
          sdk: { name: 'sentry.javascript.node', version: '10.0.0', client_ip: '8.8.8.8' },
          request: {
            url: 'http://10.1.2.3:8080/x?ip=8.8.8.8',
            headers: {
              'X-Forwarded-For': '8.8.8.8, 10.1.2.3',
              'X-Real-Ip': '8.8.8.8',
              Forwarded: 'for="[2001:db8::7]"',
              'User-Agent': 'test',
            },
            cookies: { last_ip: '::ffff:192.0.2.9' },
            env: { REMOTE_ADDR: '8.8.8.8', SERVER_ADDR: '10.1.2.3' },
            data: { ip: '81.2.69.142' },
          },
          extra: { peers: ['8.8.8.8', '10.1.2.3'], at: '10:30:00' },
          contexts: { trace: { client: '2001:db8::7' } },
          breadcrumbs: [{ message: 'GET http://8.8.8.8/' }],
          exception: { values: [{ type: 'Error', value: 'connect ECONNREFUSED 10.1.2.3:5432' }] },
        }),
      });
      expect(answer.status).toBe(200);
      const stored = (await (await fetch(`${inbox.url}/api/events/${id}`)).json()) as {
        event: Record<string, unknown>;
      };
      const text = JSON.stringify(stored);
      for (const ip of ips) expect(text, ip).not.toContain(ip);
      // biome-ignore lint/suspicious/noExplicitAny: a stored event read in many places
      const event = stored.event as Record<string, any>;
      expect(event.user).toMatchObject({ id: 'u1', email: 'a@example.test' });
      expect(event.user.ip_address).toBeUndefined();
      expect(event.request.headers['X-Forwarded-For']).toBe('[ip], [ip]');
      expect(event.request.env).toEqual({ SERVER_ADDR: '[ip]' });
      expect(event.logentry.formatted).toBe('from [ip] via [ip]');
      expect(event.extra.at).toBe('10:30:00');
      expect(event.release).toBe('app@1.2.3.4');
      expect(event._meta.logentry.formatted['']).toEqual({
        rem: [
          ['@ip:replace', 's', 5, 9],
          ['@ip:replace', 's', 14, 18],
        ],
        len: 25,
      });
      expect(event._meta.user.ip_address['']).not.toHaveProperty('val');
      expect(event._meta.sdk.client_ip['']).not.toHaveProperty('val');
    } finally {
      await inbox.dispose();
    }
  });
});

describe('concurrent decompressions over HTTP', () => {
  it('2 inflate, 64 wait unread, the next compressed body gets 503 with Retry-After; plain bodies still pass', async () => {
    const inbox = await startTestInbox();
    const open: ReturnType<typeof request>[] = [];
    try {
      // Compressed bodies that never finish: each holds a slot or a place in line.
      const head = gzipSync(eventEnvelope({ message: 'slow' })).subarray(0, 10);
      const statuses: Promise<number>[] = [];
      const written: Promise<void>[] = [];
      for (let i = 0; i < 66; i++) {
        const req = request({
          host: '127.0.0.1',
          port: inbox.port,
          method: 'POST',
          path: '/api/1/envelope/',
          headers: { ...ingestHeaders, 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' },
        });
        statuses.push(
          new Promise((resolve) => {
            req.on('response', (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', () => resolve(0));
          }),
        );
        written.push(new Promise((resolve) => req.write(head, () => resolve())));
        open.push(req);
      }
      // Every held request is on the server before the next one is sent.
      await Promise.all(written);
      expect((await fetch(`${inbox.url}/api/health`)).status).toBe(200);
      // The 67th: refused at once, not queued.
      const busy = await fetch(`${inbox.url}/api/1/envelope/`, {
        method: 'POST',
        headers: { ...ingestHeaders, 'Content-Encoding': 'gzip' },
        body: gzipSync(eventEnvelope({ message: 'one too many' })),
      });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.json()).toEqual({
        detail: 'too many compressed bodies are being read at once; retry later',
      });
      const plain = await fetch(`${inbox.url}/api/1/envelope/`, {
        method: 'POST',
        headers: ingestHeaders,
        body: eventEnvelope({ message: 'uncompressed' }),
      });
      expect(plain.status).toBe(200);
      const health = (await (await fetch(`${inbox.url}/api/health`)).json()) as {
        refused: Record<string, number>;
      };
      expect(health.refused.busy).toBe(1);
      // Finishing the held bodies lets every one of them through, in turn.
      const rest = gzipSync(eventEnvelope({ message: 'slow' })).subarray(10);
      for (const req of open) req.end(rest);
      expect(new Set(await Promise.all(statuses))).toEqual(new Set([200]));
    } finally {
      for (const req of open) req.destroy();
      await inbox.dispose();
    }
  });
});
