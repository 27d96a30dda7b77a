// Property-based: whatever bytes or envelopes arrive, the inbox answers with a 2xx/4xx (never a
// 5xx), stays up, and every event it does store fits Sentry's schema.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../src/index';
import { processEvent } from '../src/processEvent';
import {
  envelope,
  expectValidEvent,
  get,
  type Item,
  post,
  startTestInbox,
  type TestInbox,
} from './helpers';

let inbox: TestInbox;
beforeAll(async () => {
  inbox = await startTestInbox({ maxEnvelopeBytes: 1024 * 1024 });
});
afterAll(() => inbox.dispose());

const OK_STATUSES = [200, 400, 401, 403, 413, 415];

const ipLike = fc.oneof(
  fc.constantFrom(
    '{{auto}}',
    '8.8.8.8',
    '::ffff:1.1.1.1',
    '2001:db8::1',
    'not-an-ip',
    '',
    ' ',
    '999.1.1.1',
  ),
  fc.ipV4(),
  fc.ipV6(),
  fc.string(),
  fc.constant(null),
  fc.integer(),
);
const userArb = fc.oneof(
  fc.record(
    {
      id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null)),
      username: fc.oneof(fc.string(), fc.string({ minLength: 129, maxLength: 140 })),
      email: fc.string(),
      ip_address: ipLike,
      geo: fc.oneof(fc.jsonValue(), fc.record({ city: fc.string(), country_code: fc.string() })),
      data: fc.jsonValue(),
      Email: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);
const eventArb = fc.record(
  {
    event_id: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
    message: fc.oneof(fc.string(), fc.jsonValue()),
    level: fc.oneof(fc.constantFrom('error', 'warn', 'log', 'fatal', 'nope'), fc.jsonValue()),
    platform: fc.oneof(fc.constantFrom('javascript', 'node', 'cocoa'), fc.jsonValue()),
    user: userArb,
    request: fc.oneof(
      fc.record({ env: fc.record({ REMOTE_ADDR: ipLike }, { requiredKeys: [] }) }),
      fc.jsonValue(),
    ),
    sdk: fc.oneof(
      fc.record({
        name: fc.string(),
        version: fc.string(),
        settings: fc.record({ infer_ip: fc.constantFrom('auto', 'never', 'legacy', 'x') }),
      }),
      fc.jsonValue(),
    ),
    exception: fc.jsonValue(),
    breadcrumbs: fc.jsonValue(),
    tags: fc.jsonValue(),
    contexts: fc.jsonValue(),
    fingerprint: fc.jsonValue(),
    timestamp: fc.oneof(
      fc.double(),
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    extra_key: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc.tuple(fc.constant({ type: 'event' }), eventArb),
  fc.tuple(fc.constant({ type: 'event' }), fc.jsonValue()),
  fc.tuple(
    fc.record({
      type: fc.oneof(fc.constantFrom('client_report', 'session', 'attachment'), fc.string()),
    }),
    fc.oneof(
      fc.jsonValue(),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    ),
  ),
  fc.tuple(
    fc.record({
      type: fc.constant('event'),
      length: fc.oneof(fc.integer({ min: -2, max: 50 }), fc.string()),
    }),
    fc.string(),
  ),
);
const encodings = {
  identity: (b: Buffer) => b,
  gzip: (b: Buffer) => gzipSync(b),
  deflate: (b: Buffer) => deflateSync(b),
  br: (b: Buffer) => brotliCompressSync(b),
} as const;

describe('fuzzing the ingest endpoint', () => {
  it('random bytes, with or without a claimed encoding: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity'),
        async (bytes, encoding) => {
          const headers: Record<string, string> = encoding ? { 'Content-Encoding': encoding } : {};
          const answer = await post(inbox, Buffer.from(bytes), { headers });
          expect(OK_STATUSES).toContain(answer.status);
          if (answer.status !== 200)
            expect(typeof (answer.body as { detail: unknown }).detail).toBe('string');
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });

  it('random envelopes: a 2xx/4xx, and every stored event fits the schema', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        fc.array(itemArb, { maxLength: 4 }),
        fc.constantFrom<keyof typeof encodings>('identity', 'gzip', 'deflate', 'br'),
        async (header, items, encoding) => {
          const body = encodings[encoding](envelope(header, ...items));
          const answer = await post(inbox, body, { headers: { 'Content-Encoding': encoding } });
          expect(OK_STATUSES).toContain(answer.status);
          const id = (answer.body as { id?: string }).id;
          if (answer.status === 200 && id && items.some(([h]) => h.type === 'event')) {
            const response = await fetch(`${inbox.url}/api/events/${id}`);
            if (response.ok) expectValidEvent(((await response.json()) as EventDetail).event);
          }
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
    expect(await get(inbox, '/api/health')).toMatchObject({ status: 'ok' });
    expect(inbox.logs).toEqual([]);
  });
});

describe('processEvent', () => {
  it('never throws and its output always fits the schema', () => {
    fc.assert(
      fc.property(
        fc.oneof(eventArb, fc.jsonValue()),
        fc.option(ipLike.filter((v) => typeof v === 'string')),
        (payload, ip) => {
          const processed = processEvent(payload, {
            clientIp: typeof ip === 'string' ? ip : undefined,
            now: Date.now(),
          });
          if (processed) expectValidEvent(processed.event);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 1000) * 5 },
    );
  });
});
