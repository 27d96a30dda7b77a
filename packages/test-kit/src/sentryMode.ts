// What the Sentry-mode tests of the framework adapters (Koa, Nest, Next) share: the three users and
// their bursts of overlapping logged-in requests to routes that throw, the tally of the events a
// burst left in the inbox, a copy of what Sentry's own node transport sends, and the printing of
// what Sentry alone records. What differs per framework is passed in: the Sentry SDK's transport
// factory and flush, how a user's token is made, how the app is started.
import { afterAll, beforeAll, expect } from 'vitest';
import { type StoredEvent, startTestInbox, storedEvents } from './inbox.js';

/** Requests per burst: 1,200, or 120 on runs that skip the packed tests (other Node versions). */
export const COUNT = process.env.X_PACKED_SKIP ? 120 : 1200;

/** The three users of the bursts, as the login's claims (request `i` is by user `i % 3`). */
export const USERS = [
  { sub: 'u-ada', username: 'ada', email: 'ada@example.com' },
  { sub: 'u-bob', username: 'bob', email: 'bob@example.com' },
  { sub: 'u-cyd', username: 'cyd', email: 'cyd@example.com' },
] as const;

/** One of the three users. */
export type BurstUser = (typeof USERS)[number];

/** `Authorization` headers of the three users, in `USERS`' order: `Bearer <token(user)>`. */
export function bearers(token: (user: BurstUser) => string): readonly string[] {
  return USERS.map((user) => `Bearer ${token(user)}`);
}

/** Request `i` of a burst: by user `i % 3` to `/boom`, or as it says. */
export interface BurstRequest {
  path?: string;
  headers?: Record<string, string>;
}

/**
 * `count` requests to `url`, `concurrency` in flight: request `i` is `/boom?tag=<tag>&i=<i>` with
 * user `i % 3`'s token unless `request(i)` says otherwise. Resolves with the statuses.
 */
export type Burst = (
  url: string,
  tag: string,
  count: number,
  request?: (i: number) => BurstRequest,
  concurrency?: number,
) => Promise<number[]>;

/** The burst of an app whose users log in with `authorizations` (from `bearers`). */
export function burstWith(authorizations: readonly string[]): Burst {
  return async (url, tag, count, request = () => ({}), concurrency = 64) => {
    const statuses: number[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const { path = '/boom', headers = { authorization: authorizations[i % 3] as string } } =
          request(i);
        const res = await fetch(`${url}${path}?tag=${tag}&i=${i}`, { headers });
        await res.arrayBuffer();
        statuses[i] = res.status;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return statuses;
  };
}

/** How the events of a burst came out, per request. */
export interface Tally {
  own: number;
  foreign: number;
  none: number;
  lost: number;
  duplicates: number;
}

/** The request index of an event of burst `tag` (`boom <tag>-<i>` ends its title). */
function requestIndex(title: string, tag: string): number | undefined {
  const match = new RegExp(`boom ${tag}-(\\d+)$`).exec(title);
  return match ? Number(match[1]) : undefined;
}

/**
 * Sorts the inbox's events of burst `tag` by request: the request whose event carries
 * `expected(i)` as `user.id` counts as own, another id as foreign, no id as none; a request
 * without an event as lost, one with more as duplicates.
 */
export function tally(
  events: readonly StoredEvent[],
  tag: string,
  count: number,
  expected: (i: number) => string | undefined = (i) => USERS[i % 3]?.sub,
): Tally {
  const byRequest = new Map<number, StoredEvent[]>();
  for (const event of events) {
    const i = requestIndex(event.title, tag);
    if (i !== undefined) byRequest.set(i, [...(byRequest.get(i) ?? []), event]);
  }
  const out: Tally = { own: 0, foreign: 0, none: 0, lost: 0, duplicates: 0 };
  for (let i = 0; i < count; i++) {
    const [event, ...more] = byRequest.get(i) ?? [];
    out.duplicates += more.length;
    if (!event) out.lost++;
    else if (event.user?.id === undefined) out.none++;
    else if (event.user.id === expected(i)) out.own++;
    else out.foreign++;
  }
  return out;
}

/** Prints the tally of burst `tag` as `<label>, <count> requests: {…}` (`label` names the case). */
export function printTally(
  label: string,
  events: readonly StoredEvent[],
  tag: string,
  count: number,
): Tally {
  const outcome = tally(events, tag, count);
  console.log(`${label}, ${count} requests:`, JSON.stringify(outcome));
  return outcome;
}

/**
 * Expects every one of the `count` requests of burst `tag` to have left one event carrying its own
 * user: 0 foreign, 0 without a user, 0 duplicates, nothing lost. With `label`, prints the tally
 * first (as `printTally`).
 */
export function expectEveryEventOwn(
  events: readonly StoredEvent[],
  tag: string,
  count: number,
  label?: string,
): void {
  const outcome =
    label === undefined ? tally(events, tag, count) : printTally(label, events, tag, count);
  expect(outcome).toEqual({ own: count, foreign: 0, none: 0, lost: 0, duplicates: 0 });
}

/** The stored user of the one event of request `i` of burst `tag` (without the inbox's key). */
export function userOf(events: readonly StoredEvent[], tag: string, i = 0) {
  const matching = events.filter((event) => requestIndex(event.title, tag) === i);
  if (matching.length !== 1) throw new Error(`${matching.length} events of ${tag}-${i}`);
  const user = matching[0]?.user;
  if (!user) return null;
  const { sentry_user: _key, ...rest } = user;
  return rest;
}

/**
 * The inbox's events once `count` events of burst `tag` arrived (when Sentry sends from another
 * process, on its own time) and a little longer, to see duplicates; all of them after `ms`.
 */
export async function eventsOfBurst(
  read: () => Promise<StoredEvent[]>,
  tag: string,
  count: number,
  ms = 30_000,
): Promise<StoredEvent[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const events = await read();
    const arrived = events.filter((event) => requestIndex(event.title, tag) !== undefined).length;
    if (arrived >= count || Date.now() > deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return read();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What Sentry sent (a copy, beside the inbox): the payloads of each item type read. */
export interface Sent {
  events: Record<string, unknown>[];
  transactions: Record<string, unknown>[];
  /** Streamed spans (Sentry 11 with tracing), one entry a span. */
  spans: { name?: string; is_segment?: boolean; attributes?: Record<string, { value: unknown }> }[];
}

/** An empty copy, to pass to `sentryTestOptions` or `teeTransport`. */
export function newSent(): Sent {
  return { events: [], transactions: [], spans: [] };
}

/** A sent envelope's items: `[header, payload]`. */
type Items = [{ type?: string }, unknown][];

/** A transport, as Sentry's transport factories make it. */
export interface Transport<E, R> {
  send(envelope: E): R;
  flush(timeout?: number): PromiseLike<boolean>;
}

/**
 * The transport of `makeNodeTransport` (the Sentry SDK's own, to the inbox), with a copy of what it
 * sends kept in `sent`.
 */
export function teeTransport<O, E extends readonly unknown[], R>(
  makeNodeTransport: (options: O) => Transport<E, R>,
  sent: Sent,
): (options: O) => Transport<E, R> {
  return (options) => {
    const transport = makeNodeTransport(options);
    return {
      send(envelope) {
        for (const [header, payload] of envelope[1] as unknown as Items) {
          if (header.type === 'event') sent.events.push(payload as Record<string, unknown>);
          if (header.type === 'transaction') {
            sent.transactions.push(payload as Record<string, unknown>);
          }
          if (header.type === 'span') sent.spans.push(...((payload as { items: [] }).items ?? []));
        }
        return transport.send(envelope);
      },
      flush: (timeout) => transport.flush(timeout),
    };
  };
}

/**
 * Sentry's init in these tests: the app's `options`, over a transport copy (`teeTransport` of
 * `makeNodeTransport`) and room for a burst.
 */
export function sentryTestOptions<O, E extends readonly unknown[], R, T extends object>(
  makeNodeTransport: (options: O) => Transport<E, R>,
  dsn: string,
  sent: Sent,
  options: T,
) {
  return {
    dsn,
    transport: teeTransport(makeNodeTransport, sent),
    // Sentry holds 64 events in flight by default and drops the rest of a burst of errors.
    transportOptions: { bufferSize: 10_000 },
    ...options,
  };
}

/**
 * Expects `count` events in the copy since `before` (its length then), each sent by Sentry's SDK
 * `sdkName` (`sentry.javascript.node`, …): one event per request, and @x sent none.
 */
export function expectSentryEvents(
  sent: Sent,
  before: number,
  count: number,
  sdkName: string,
): void {
  const mine = sent.events.slice(before);
  expect(mine).toHaveLength(count);
  expect(new Set(mine.map((e) => (e.sdk as { name?: string }).name))).toEqual(new Set([sdkName]));
}

/** How a test file reaches its Sentry SDK and the inbox it sends to. */
export interface SentrySide {
  /** The SDK's `flush`. */
  flush(timeout?: number): PromiseLike<boolean>;
  /** The inbox's events. */
  events(): Promise<StoredEvent[]>;
}

/** A test file's Sentry sending to a test inbox, and a copy of what it sent (`sentryWithInbox`). */
export interface SentryInbox extends SentrySide {
  /** The copy of what Sentry sent. */
  sent: Sent;
}

/**
 * For the test file that calls it: before its tests, a test inbox and `init(dsn, sent)` (the
 * file's `Sentry.init`, to the inbox's DSN, with a copy of what it sends kept in `sent`); after
 * them, Sentry closed (5 s) and the inbox disposed. `sdk`: the Sentry SDK's `flush` and `close`.
 */
export function sentryWithInbox(
  sdk: {
    flush(timeout?: number): PromiseLike<boolean>;
    close(timeout?: number): PromiseLike<boolean>;
  },
  init: (dsn: string, sent: Sent) => void,
): SentryInbox {
  const sent = newSent();
  let inbox: Awaited<ReturnType<typeof startTestInbox>> | undefined;
  beforeAll(async () => {
    inbox = await startTestInbox();
    init(inbox.dsn, sent);
  });
  afterAll(async () => {
    await sdk.close(5000);
    await inbox?.dispose();
  });
  return {
    sent,
    flush: (timeout) => sdk.flush(timeout),
    events: () => {
      if (!inbox) throw new Error('no inbox before the tests started');
      return storedEvents(inbox);
    },
  };
}

/** A started app: its URL and how to stop it. */
export interface Served {
  url: string;
  close(): Promise<unknown>;
}

/** Runs `fn`, then expects Sentry to flush within 30 s; the inbox's events. */
export async function flushed(
  sentry: SentrySide,
  fn: () => Promise<unknown>,
): Promise<StoredEvent[]> {
  await fn();
  expect(await sentry.flush(30_000)).toBe(true);
  return sentry.events();
}

/** Runs `fn` against an app `start` starts, stopped after (also when `fn` fails); as `flushed`. */
export function served(
  sentry: SentrySide,
  start: () => Promise<Served>,
  fn: (url: string) => Promise<unknown>,
): Promise<StoredEvent[]> {
  return flushed(sentry, async () => {
    const app = await start();
    try {
      await fn(app.url);
    } finally {
      await app.close();
    }
  });
}

/**
 * Burst `tag` of `COUNT` requests (`request(i)`, as `burst` takes it) to an app `start` starts,
 * each expected to answer 500; as `served`.
 */
export function servedBurst(
  sentry: SentrySide,
  start: () => Promise<Served>,
  burst: Burst,
  tag: string,
  request?: (i: number) => BurstRequest,
): Promise<StoredEvent[]> {
  return served(sentry, start, async (url) => {
    const statuses = await burst(url, tag, COUNT, request);
    expect(new Set(statuses)).toEqual(new Set([500]));
  });
}

/** The address the proxy in front of the app saw (and appended to `X-Forwarded-For`). */
export const PROXY_IP = '203.0.113.7';

/**
 * Request `i` behind a proxy, by user `i % 3`: the client sends its own `X-Forwarded-For`
 * (`198.51.100.<n>`), the proxy appends the address it saw (`PROXY_IP`).
 */
export function behindProxy(authorizations: readonly string[]): (i: number) => BurstRequest {
  return (i) => ({
    headers: {
      authorization: authorizations[i % 3] as string,
      'x-forwarded-for': `198.51.100.${(i % 200) + 1}, ${PROXY_IP}`,
    },
  });
}

/**
 * Prints (does not assert) the IPs of burst `tag`'s events, a burst `behindProxy`: how many are the
 * address the framework trusts (`PROXY_IP`, which the app reads as `ipName`), how many the address
 * the client wrote, how many other. `label` names the case.
 */
export function printProxyIps(
  label: string,
  ipName: string,
  events: readonly StoredEvent[],
  tag: string,
): void {
  const ips = events
    .filter((event) => event.title.includes(`boom ${tag}-`))
    .map((event) => event.user?.ip_address);
  const trusted = ips.filter((ip) => ip === PROXY_IP).length;
  const clientWritten = ips.filter((ip) => String(ip).startsWith('198.51.100.')).length;
  console.log(
    `${label}, ${COUNT} requests: ${trusted} events with ${ipName}, ${clientWritten} with the address the client wrote, ${ips.length - trusted - clientWritten} other`,
  );
}
