// Hostile and broken input: each gets its status code and a JSON reason, the inbox keeps
// serving, and what was stored before is untouched.
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../src/index';
import {
  envelope,
  eventEnvelope,
  get,
  newEventId,
  post,
  sendEvent,
  startTestInbox,
  type TestInbox,
} from './helpers';

const MiB = 1024 * 1024;
let inbox: TestInbox;
let keyed: TestInbox;
let before: EventDetail;

beforeAll(async () => {
  [inbox, keyed] = await Promise.all([
    startTestInbox({ maxEnvelopeBytes: 8 * MiB }),
    startTestInbox({ key: 'secretkey1' }),
  ]);
  before = await sendEvent(inbox, {
    event_id: newEventId(),
    message: 'stored before the storm',
    user: { id: 'keep-me' },
  });
});
afterAll(() => Promise.all([inbox.dispose(), keyed.dispose()]));

/** A gzip stream that inflates to `mib` MiB of zeros (gzip members concatenated). */
function gzipBomb(mib: number): Buffer {
  const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(mib / 16) }, () => member));
}

const gzip = { 'Content-Encoding': 'gzip' };

describe('authentication', () => {
  const body = () => eventEnvelope({ event_id: newEventId(), message: 'auth' });

  it('with --key: no key is 401, a wrong key 403, the right key 200', async () => {
    expect(await post(keyed, body(), { auth: null })).toMatchObject({
      status: 401,
      body: { detail: 'missing authentication: send X-Sentry-Auth or ?sentry_key=' },
    });
    expect(await post(keyed, body(), { auth: 'nope' })).toMatchObject({
      status: 403,
      body: { detail: 'unknown public key' },
    });
    expect((await post(keyed, body(), { auth: 'secretkey1' })).status).toBe(200);
  });

  it('accepts the key as sentry_key query parameter and from the envelope dsn', async () => {
    const query = await post(keyed, body(), {
      auth: null,
      path: '/api/1/envelope/?sentry_key=secretkey1',
    });
    expect(query.status).toBe(200);
    const withDsn = envelope({ dsn: `http://secretkey1@127.0.0.1:${keyed.port}/1` }, [
      { type: 'event' },
      { message: 'dsn auth' },
    ]);
    expect((await post(keyed, withDsn, { auth: null })).status).toBe(200);
    const wrongDsn = envelope({ dsn: 'http://other@127.0.0.1/1' }, [{ type: 'event' }, {}]);
    expect((await post(keyed, wrongDsn, { auth: null })).status).toBe(403);
  });

  it('without --key accepts any key but still needs one', async () => {
    expect((await post(inbox, body(), { auth: 'anything' })).status).toBe(200);
    expect((await post(inbox, body(), { auth: null })).status).toBe(401);
  });
});

describe('sizes and encodings', () => {
  it('a body over the wire limit is 413 before it is read', async () => {
    const small = await startTestInbox({ maxBodyBytes: 64 * 1024 });
    try {
      const answer = await post(small, Buffer.alloc(200 * 1024, 0x20));
      expect(answer).toMatchObject({
        status: 413,
        body: { detail: 'body exceeds the limit of 65536 bytes' },
      });
      expect((await get<{ status: string }>(small, '/api/health')).status).toBe('ok');
    } finally {
      await small.dispose();
    }
  });

  it('an event item over 1 MiB is 413', async () => {
    const big = { message: 'x', extra: { blob: 'y'.repeat(MiB) } };
    const answer = await post(inbox, eventEnvelope(big));
    expect(answer).toMatchObject({
      status: 413,
      body: { detail: 'event item exceeds the limit of 1048576 bytes' },
    });
  });

  it('a gzip bomb hits 413 while decompressing (small limit)', async () => {
    const answer = await post(inbox, gzipBomb(64), { headers: gzip });
    expect(answer).toMatchObject({
      status: 413,
      body: { detail: 'decompressed body exceeds the limit of 8388608 bytes' },
    });
  });

  it('a 1 GiB gzip bomb hits 413 at the default 50 MiB limit without buffering it all', async () => {
    const defaults = await startTestInbox();
    try {
      const bomb = gzipBomb(1024);
      expect(bomb.length).toBeLessThan(2 * MiB);
      const rssBefore = process.memoryUsage().rss;
      const answer = await post(defaults, bomb, { headers: gzip });
      expect(answer).toMatchObject({
        status: 413,
        body: { detail: `decompressed body exceeds the limit of ${50 * MiB} bytes` },
      });
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(600 * MiB);
    } finally {
      await defaults.dispose();
    }
  });

  it('a truncated gzip body is 400', async () => {
    const full = gzipSync(eventEnvelope({ message: 'cut short' }));
    const answer = await post(inbox, full.subarray(0, full.length - 10), { headers: gzip });
    expect(answer).toMatchObject({
      status: 400,
      body: { detail: 'the gzip body could not be decompressed: unexpected end of file' },
    });
  });

  it('an unknown content-encoding is 415', async () => {
    const answer = await post(inbox, eventEnvelope({}), {
      headers: { 'Content-Encoding': 'zstd' },
    });
    expect(answer).toMatchObject({
      status: 415,
      body: { detail: 'unsupported content-encoding "zstd"' },
    });
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ])('decompresses %s bodies', async (encoding, compress) => {
    const id = newEventId();
    const answer = await post(inbox, compress(eventEnvelope({ event_id: id, message: encoding })), {
      headers: { 'Content-Encoding': encoding },
    });
    expect(answer).toMatchObject({ status: 200, body: { id } });
    const stored = await get<EventDetail>(inbox, `/api/events/${id}`);
    expect(stored.event.logentry).toEqual({ formatted: encoding });
  });
});

describe('malformed input', () => {
  it.each([
    ['not json at all\n', 'malformed envelope: envelope header is not valid JSON'],
    [
      '{}\n{"type":"event","length":5}\n{}',
      'malformed envelope: item 1 declares 5 bytes but only 2 follow',
    ],
    [
      '{}\n{"type":"event"}\n{"message": "unterminated\n',
      'malformed envelope: item 1 (event) is not valid JSON',
    ],
    ['{}\n{"type":"event"}\n[1,2]\n', 'malformed envelope: item 1 (event) is not a JSON object'],
    ['{}\n{"no":"type"}\n{}\n', 'malformed envelope: item 1 header has no "type"'],
  ])('%j is 400', async (body, detail) => {
    expect(await post(inbox, body)).toMatchObject({ status: 400, body: { detail } });
  });

  it('10 MB of random bytes is 400, raw or claiming gzip', async () => {
    const noise = randomBytes(10 * 1000 * 1000);
    noise[0] = 0x7b; // "{": the header line starts like JSON but is not
    // `keyed` has the default limits (20 MiB on the wire, 50 MiB decompressed).
    const raw = await post(keyed, noise, { auth: 'secretkey1' });
    expect(raw.status).toBe(400);
    expect((raw.body as { detail: string }).detail).toMatch(/^malformed envelope: /);
    const gz = await post(keyed, noise, { auth: 'secretkey1', headers: gzip });
    expect(gz.status).toBe(400);
    expect((gz.body as { detail: string }).detail).toMatch(
      /^the gzip body could not be decompressed: /,
    );
  });

  it('a bad project id is 400; unknown paths 404; wrong methods 405', async () => {
    expect(await post(inbox, '{}', { path: '/api/abc/envelope/' })).toMatchObject({
      status: 400,
      body: { detail: 'invalid project id "abc"' },
    });
    expect((await post(inbox, '{}', { path: '/nope' })).status).toBe(404);
    expect((await fetch(`${inbox.url}/api/1/envelope/`)).status).toBe(405);
  });

  it('keeps unknown item types without error and stores client reports', async () => {
    const id = newEventId();
    const body = envelope(
      { event_id: id },
      [{ type: 'session' }, { sid: 'abc', status: 'ok' }],
      [{ type: 'attachment', filename: 'a.bin' }, Buffer.from([0, 1, 2, 10, 13])],
      [{ type: 'profile' }, { version: '1' }],
      [
        { type: 'client_report' },
        {
          timestamp: 1,
          discarded_events: [{ reason: 'queue_overflow', category: 'error', quantity: 2 }],
        },
      ],
      [{ type: 'some_future_type', length: undefined }, 'opaque'],
      [{ type: 'event' }, { event_id: id, message: 'with friends' }],
    );
    expect(await post(inbox, body)).toMatchObject({ status: 200, body: { id } });
    const health = await get<Record<string, unknown>>(inbox, '/api/health');
    expect(health).toMatchObject({
      client_reports: 1,
      skipped_items: { session: 1, attachment: 1, profile: 1, other: 1 },
    });
  });
});

describe('after all that', () => {
  it('still serves, and the event stored first is unchanged', async () => {
    expect(await get(inbox, `/api/events/${before.id}`)).toEqual(before);
    const fresh = await sendEvent(inbox, { message: 'still alive' });
    expect(fresh.title).toBe('still alive');
    expect(inbox.logs).toEqual([]);
  });
});

describe('CORS', () => {
  it('answers preflight requests and tags responses for browsers', async () => {
    const preflight = await fetch(`${inbox.url}/api/1/envelope/?sentry_key=k`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://app.local:3000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, x-sentry-auth',
      },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      'access-control-allow-origin': 'http://app.local:3000',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-sentry-auth',
    });
    const answer = await post(inbox, eventEnvelope({ message: 'cors' }), {
      headers: { Origin: 'http://app.local:3000' },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://app.local:3000');
  });
});
