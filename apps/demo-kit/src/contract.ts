// The demo contract, as one end-to-end suite every sample app runs: it starts
// the built app and the built inbox as real processes and reads back what the
// inbox stored.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type EnvelopeTap, startEnvelopeTap } from '@x/test-kit/envelope-tap';
import { type OtlpReceiver, startOtlpReceiver } from '@x/test-kit/otlp-receiver';
import { type Started, startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from './accounts.js';

interface StoredEvent {
  id: string;
  issue_id: number;
  title: string;
  level: string;
  user_key: string | null;
  user: Record<string, unknown> | null;
}

/** Everything the inbox stored, oldest first (waits until at least `count` arrived). */
async function eventsIn(
  inboxUrl: string,
  count: number,
  timeoutMs = 15_000,
): Promise<StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = (await (await fetch(`${inboxUrl}/api/events?limit=1000`)).json()) as {
      data: StoredEvent[];
    };
    if (page.data.length >= count || Date.now() > deadline) return page.data.reverse();
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Frame {
  filename?: string;
  abs_path?: string;
  lineno?: number;
  in_app?: boolean;
  pre_context?: string[];
  context_line?: string;
  post_context?: string[];
}

/** The sample app's directory: the nearest one above its entry with a package.json. */
function appRoot(entry: string): string {
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

async function login(app: string, username: string, password: string): Promise<Response> {
  return fetch(`${app}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

async function tokenFor(app: string, username: string): Promise<string> {
  const account = accounts.find((a) => a.username === username);
  const res = await login(app, username, account?.password ?? '');
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The user as the inbox stores it for a demo account, seen from 127.0.0.1. */
function storedUser(username: string) {
  const a = accounts.find((x) => x.username === username);
  return {
    id: a?.id,
    username: a?.username,
    email: a?.email,
    ip_address: '127.0.0.1',
    data: { subscription: a?.subscription },
  };
}

/**
 * Runs the demo contract against a built sample app (`entry` = its built
 * server file). Each app is started with `PORT=0` and `X_DSN` set to a fresh
 * inbox; it must print `listening on http://…`.
 */
export function describeDemoContract(name: string, entry: string): void {
  describe(`${name}: the demo contract, end to end`, () => {
    let inbox: Started & { dsn: string };
    let app: Started;

    beforeAll(async () => {
      inbox = await startInboxProcess();
      app = await startAppProcess(entry, { X_DSN: inbox.dsn });
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
      await inbox?.stop();
    });

    it('POST /login answers a token for a demo account, 401 otherwise', async () => {
      expect((await login(app.url, 'alice', 'wrong')).status).toBe(401);
      expect((await login(app.url, 'nobody', 'x')).status).toBe(401);
      const res = await login(app.url, 'alice', 'alice-demo-pass');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        // A JWT or a JWE (next-auth encrypts its tokens): dot-separated base64url parts.
        token: expect.stringMatching(/^[\w-]+(\.[\w-]*){2,4}$/),
      });
    });

    it('GET /whoami is the user as the SDK would send it', async () => {
      const anon = await (await fetch(`${app.url}/whoami`)).json();
      expect(anon).toEqual({ user: { ip_address: '127.0.0.1' } });
      const bob = await (
        await fetch(`${app.url}/whoami`, { headers: bearer(await tokenFor(app.url, 'bob')) })
      ).json();
      expect(bob).toEqual({
        user: {
          id: 'u-bob',
          username: 'bob',
          email: 'bob@example.com',
          subscription: 'free',
          ip_address: '127.0.0.1',
        },
      });
    });

    it('GET /boom (500) and /boom/async are stored with the user who hit them', async () => {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      const boom = await fetch(`${app.url}/boom`, {
        headers: bearer(await tokenFor(app.url, 'alice')),
      });
      expect(boom.status).toBe(500);
      const late = await fetch(`${app.url}/boom/async?delay=30`, {
        headers: bearer(await tokenFor(app.url, 'carol')),
      });
      expect(late.status).toBe(500);
      const events = (await eventsIn(inbox.url, before + 2)).slice(before);
      // Events are built asynchronously (source maps, context lines): they may arrive in either order.
      const byUser = (a: StoredEvent, b: StoredEvent) =>
        String(a.user_key).localeCompare(String(b.user_key));
      expect(events.sort(byUser).map((e) => [e.title, e.user_key, e.user])).toEqual([
        ['Error: boom', 'id:u-alice', { ...storedUser('alice'), sentry_user: 'id:u-alice' }],
        ['Error: boom', 'id:u-carol', { ...storedUser('carol'), sentry_user: 'id:u-carol' }],
      ]);
    });

    it("the crashing in-app frame of /boom and /boom/async is the app's .ts line, with context", async () => {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      await fetch(`${app.url}/boom`);
      await fetch(`${app.url}/boom/async?delay=5`);
      const stored = (await eventsIn(inbox.url, before + 2)).slice(before);
      expect(stored).toHaveLength(2);
      const appDir = appRoot(entry);
      const transactions: (string | undefined)[] = [];
      for (const { id } of stored) {
        const { event } = (await (await fetch(`${inbox.url}/api/events/${id}`)).json()) as {
          event: {
            transaction?: string;
            exception: { values: { stacktrace: { frames: Frame[] } }[] };
          };
        };
        transactions.push(event.transaction);
        const frames = event.exception.values.at(-1)?.stacktrace.frames ?? [];
        const top = frames.filter((f) => f.in_app).at(-1);
        // The developer's own file (not a built chunk), at the line that throws.
        expect(top?.abs_path).toMatch(/\.tsx?$/);
        expect(top?.abs_path?.startsWith(appDir)).toBe(true);
        const lines = readFileSync(top?.abs_path ?? '', 'utf8').split(/\r?\n/);
        const line = top?.lineno ?? 0;
        expect(lines[line - 1]).toContain("throw new Error('boom')");
        expect(top?.context_line).toBe(lines[line - 1]);
        expect(top?.pre_context).toEqual(lines.slice(Math.max(0, line - 8), line - 1));
        expect(top?.post_context).toEqual(lines.slice(line, line + 7));
        // Dependencies, Node's own code and @x are never the app's.
        const notApp =
          /[\\/]node_modules[\\/]|^node:|^internal\/|[\\/]@x[\\/]|[\\/]packages[\\/](?:core|koa|nest|next)[\\/]/;
        expect(
          frames.filter((f) => f.in_app && notApp.test(f.abs_path ?? f.filename ?? '')),
        ).toEqual([]);
      }
      // The route the framework matched names each event (not the URL with its query string).
      expect(transactions.sort()).toEqual(['GET /boom', 'GET /boom/async']);
    });

    it('POST /report sends a message and answers its event id', async () => {
      const res = await fetch(`${app.url}/report`, {
        method: 'POST',
        headers: bearer(await tokenFor(app.url, 'bob')),
      });
      expect(res.status).toBe(200);
      const { eventId } = (await res.json()) as { eventId: string };
      expect(eventId).toMatch(/^[0-9a-f]{32}$/);
      const deadline = Date.now() + 15_000;
      let stored: { event?: Record<string, unknown> } = {};
      while (Date.now() < deadline && !stored.event) {
        const r = await fetch(`${inbox.url}/api/events/${eventId}`);
        if (r.ok) stored = (await r.json()) as typeof stored;
        else await new Promise((done) => setTimeout(done, 100));
      }
      expect(stored.event).toMatchObject({ level: 'info', user: { id: 'u-bob', username: 'bob' } });
    });

    it('an issue counts the distinct users it affected', async () => {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      for (const user of ['alice', 'bob', 'carol', 'alice']) {
        await fetch(`${app.url}/boom`, { headers: bearer(await tokenFor(app.url, user)) });
      }
      await fetch(`${app.url}/boom`); // anonymous: counted by IP
      // The issue of these /boom events (/boom/async throws elsewhere: another issue).
      const events = (await eventsIn(inbox.url, before + 5)).slice(before);
      const issueId = events.find((e) => e.title === 'Error: boom')?.issue_id;
      const issue = (await (await fetch(`${inbox.url}/api/issues/${issueId}`)).json()) as {
        user_count: number;
        users: { user_key: string }[];
      };
      expect(issue.users.map((u) => u.user_key).sort()).toEqual([
        'id:u-alice',
        'id:u-bob',
        'id:u-carol',
        'ip:127.0.0.1',
      ]);
      expect(issue.user_count).toBe(4);
    });

    it('concurrent /whoami answers each carry their own user', async () => {
      const tokens = await Promise.all(accounts.map((a) => tokenFor(app.url, a.username)));
      const answers = await Promise.all(
        Array.from({ length: 150 }, async (_, i) => {
          const res = await fetch(`${app.url}/whoami`, { headers: bearer(tokens[i % 3] ?? '') });
          return ((await res.json()) as { user?: { id?: string } }).user?.id;
        }),
      );
      expect(answers).toEqual(Array.from({ length: 150 }, (_, i) => accounts[i % 3]?.id));
    });

    it('overlapping requests by different users never mix them up', async () => {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      const tokens = await Promise.all(accounts.map((a) => tokenFor(app.url, a.username)));
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${app.url}/boom/async?delay=${(i * 7) % 40}&n=${i}`, {
            headers: bearer(tokens[i % 3] ?? ''),
          }),
        ),
      );
      const events = (await eventsIn(inbox.url, before + 30)).slice(before);
      expect(events).toHaveLength(30);
      const keys = events.map((e) => e.user_key).sort();
      expect(keys).toEqual(accounts.flatMap((a) => Array(10).fill(`id:${a.id}`)).sort());
    });
  });

  describe(`${name}: TRUST_PROXY and X_SEND_DEFAULT_PII`, () => {
    let inbox: Started & { dsn: string };
    const apps: Started[] = [];
    beforeAll(async () => {
      inbox = await startInboxProcess();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.stop()));
      await inbox?.stop();
    });
    const xff = { 'x-forwarded-for': '203.0.113.9' };

    it('X-Forwarded-For is ignored by default and believed with TRUST_PROXY', async () => {
      const plain = await startAppProcess(entry, { X_DSN: inbox.dsn });
      const proxied = await startAppProcess(entry, { X_DSN: inbox.dsn, TRUST_PROXY: '1' });
      apps.push(plain, proxied);
      expect(await (await fetch(`${plain.url}/whoami`, { headers: xff })).json()).toEqual({
        user: { ip_address: '127.0.0.1' },
      });
      expect(await (await fetch(`${proxied.url}/whoami`, { headers: xff })).json()).toEqual({
        user: { ip_address: '203.0.113.9' },
      });
    }, 60_000);

    it('with X_SEND_DEFAULT_PII=false: no IP, no email, nothing for an anonymous user', async () => {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      const app = await startAppProcess(entry, { X_DSN: inbox.dsn, X_SEND_DEFAULT_PII: 'false' });
      apps.push(app);
      expect(await (await fetch(`${app.url}/whoami`)).json()).toEqual({ user: null });
      const token = await tokenFor(app.url, 'carol');
      await fetch(`${app.url}/boom`, { headers: bearer(token) });
      const [event] = (await eventsIn(inbox.url, before + 1)).slice(before);
      expect(event?.user).toEqual({
        id: 'u-carol',
        username: 'carol',
        data: { subscription: 'enterprise' },
        sentry_user: 'id:u-carol',
      });
    }, 60_000);
  });

  describe(`${name}: X_PSEUDONYMIZE_KEY`, () => {
    let inbox: Started & { dsn: string };
    let tap: EnvelopeTap;
    const apps: Started[] = [];
    beforeAll(async () => {
      inbox = await startInboxProcess();
      tap = await startEnvelopeTap(inbox.dsn);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.stop()));
      await tap?.close();
      await inbox?.stop();
    });
    const KEY = 'demo-contract-pseudonymize-key-1';

    /** One /boom by `username` on `app`; the stored event. */
    async function boom(app: Started, username: string): Promise<StoredEvent> {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      const res = await fetch(`${app.url}/boom`, {
        headers: bearer(await tokenFor(app.url, username)),
      });
      expect(res.status).toBe(500);
      const [event] = (await eventsIn(inbox.url, before + 1)).slice(before);
      if (!event) throw new Error('no event stored');
      return event;
    }
    const usersAffected = async (issueId: number) =>
      ((await (await fetch(`${inbox.url}/api/issues/${issueId}`)).json()) as { user_count: number })
        .user_count;

    it('sends pseudonyms, not ids, names or emails; users affected still counts people', async () => {
      const app = await startAppProcess(entry, { X_DSN: tap.dsn, X_PSEUDONYMIZE_KEY: KEY });
      apps.push(app);
      const first = await boom(app, 'alice');
      expect(first.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
      expect(first.user).toEqual({
        id: expect.stringMatching(/^px_[0-9a-f]{32}$/),
        username: expect.stringMatching(/^px_[0-9a-f]{32}$/),
        email: expect.stringMatching(/^px_[0-9a-f]{32}$/),
        ip_address: '127.0.0.1',
        data: { subscription: 'pro' },
        sentry_user: first.user_key,
      });
      const second = await boom(app, 'bob');
      const third = await boom(app, 'alice');
      expect(third.user_key).toBe(first.user_key);
      expect(second.user_key).not.toBe(first.user_key);
      expect(await usersAffected(first.issue_id)).toBe(2);
      const wire = tap.wire();
      for (const account of accounts.filter((a) => a.username !== 'carol'))
        for (const raw of [account.id, account.email, `"${account.username}"`])
          expect(wire).not.toContain(raw);
      expect(wire).not.toContain(KEY);
    }, 60_000);

    it('another process with the same key gives the same pseudonym; another key, another', async () => {
      const [same, other] = await Promise.all([
        startAppProcess(entry, { X_DSN: tap.dsn, X_PSEUDONYMIZE_KEY: KEY }),
        startAppProcess(entry, { X_DSN: tap.dsn, X_PSEUDONYMIZE_KEY: `${KEY}-other` }),
      ]);
      apps.push(same, other);
      const reference = await boom(apps[0] ?? same, 'carol');
      expect((await boom(same, 'carol')).user_key).toBe(reference.user_key);
      const elsewhere = await boom(other, 'carol');
      expect(elsewhere.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
      expect(elsewhere.user_key).not.toBe(reference.user_key);
    }, 60_000);
  });

  describe(`${name}: trace context (OpenTelemetry and traceparent)`, () => {
    let inbox: Started & { dsn: string };
    let receiver: OtlpReceiver;
    const apps: Started[] = [];
    beforeAll(async () => {
      inbox = await startInboxProcess();
      receiver = await startOtlpReceiver();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.stop()));
      await receiver?.close();
      await inbox?.stop();
    });
    const SERVER = 2; // OTLP SpanKind SERVER
    const traced = (env: Record<string, string> = {}) =>
      startAppProcess(entry, {
        X_DSN: inbox.dsn,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        ...env,
      });
    /** The trace context of the next stored event, after `hit` made one. */
    async function traceOfNextEvent(hit: () => Promise<Response>) {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      expect((await hit()).status).toBe(500);
      const [event] = (await eventsIn(inbox.url, before + 1)).slice(before);
      const full = (await (await fetch(`${inbox.url}/api/events/${event?.id}`)).json()) as {
        event: { contexts?: { trace?: { trace_id: string; span_id: string } } };
      };
      return { user: event?.user, trace: full.event.contexts?.trace };
    }

    it('the server span of a logged-in /boom carries the user; the event carries its trace', async () => {
      const app = await traced();
      apps.push(app);
      const token = await tokenFor(app.url, 'alice');
      const { user, trace } = await traceOfNextEvent(() =>
        fetch(`${app.url}/boom`, { headers: bearer(token) }),
      );
      expect(user?.id).toBe('u-alice');
      expect(trace?.trace_id).toMatch(/^[0-9a-f]{32}$/);
      const inTrace = () => receiver.spans.filter((s) => s.traceId === trace?.trace_id);
      await receiver.waitFor(() =>
        inTrace().some((s) => s.kind === SERVER && s.attributes['user.id'] === 'u-alice'),
      );
      // The event's span is a span of that trace (the server span or one inside it).
      await receiver.waitFor(() => inTrace().some((s) => s.spanId === trace?.span_id));
      const server = inTrace().find((s) => s.kind === SERVER && s.attributes['user.id']);
      // X_SEND_DEFAULT_PII defaults to true: the username, email and IP go on the span too.
      expect(server?.attributes).toMatchObject({
        'user.name': 'alice',
        'user.email': accounts.find((a) => a.username === 'alice')?.email,
        'client.address': '127.0.0.1',
      });
    }, 60_000);

    it('with X_SEND_DEFAULT_PII=false: user.id only — no user.email, user.name or client.address on spans', async () => {
      const app = await traced({ X_SEND_DEFAULT_PII: 'false' });
      apps.push(app);
      const token = await tokenFor(app.url, 'carol');
      const { trace } = await traceOfNextEvent(() =>
        fetch(`${app.url}/boom`, { headers: bearer(token) }),
      );
      await receiver.waitFor((spans) =>
        spans.some(
          (s) => s.traceId === trace?.trace_id && s.kind === SERVER && s.attributes['user.id'],
        ),
      );
      // Every span of this app's requests (found by their server spans' port).
      const port = Number(new URL(app.url).port);
      const traces = new Set(
        receiver.spans.filter((s) => s.attributes['server.port'] === port).map((s) => s.traceId),
      );
      expect(traces.size).toBeGreaterThanOrEqual(2); // the login and /boom
      const ours = receiver.spans.filter((s) => traces.has(s.traceId));
      for (const span of ours)
        for (const key of ['user.email', 'user.name', 'client.address'])
          expect(span.attributes, `${span.name}: ${key}`).not.toHaveProperty(key);
    }, 60_000);

    it('without OpenTelemetry: /boom with a traceparent header is stored under that trace', async () => {
      const app = await startAppProcess(entry, { X_DSN: inbox.dsn });
      apps.push(app);
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const { trace } = await traceOfNextEvent(() =>
        fetch(`${app.url}/boom`, {
          headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        }),
      );
      expect(trace).toEqual({
        trace_id: traceId,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        parent_span_id: '00f067aa0ba902b7',
      });
    }, 60_000);
  });
}
