// The demo contract's main suite: one app and one inbox, signing in, errors stored with their
// user and the app's own source line, users kept apart under concurrency.
import { readFileSync } from 'node:fs';
import { startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../accounts.js';
import {
  appRoot,
  bearer,
  eventsIn,
  login,
  type Running,
  type StoredEvent,
  storedUser,
  tokenFor,
} from './helpers.js';

interface Frame {
  filename?: string;
  abs_path?: string;
  lineno?: number;
  in_app?: boolean;
  pre_context?: string[];
  context_line?: string;
  post_context?: string[];
}

/**
 * `sentry`: the app runs in Sentry mode (`X_WITH_SENTRY=1`) — Sentry's SDK builds and sends the
 * events, so their frames are Sentry's (no check of @x's source-mapped frames) and their
 * `sdk.name` is this one (`sentry.javascript.node`, `….nestjs`, `….nextjs`).
 */
export function describeEndToEnd(
  name: string,
  entry: string,
  { sentry }: { sentry?: { sdkName: string } } = {},
): void {
  const env: Record<string, string> = sentry ? { X_WITH_SENTRY: '1' } : {};
  describe(`${name}: the demo contract, end to end`, () => {
    const running = {} as Running;
    beforeAll(async () => {
      running.inbox = await startInboxProcess();
      running.app = await startAppProcess(entry, { ...env, X_DSN: running.inbox.dsn });
    }, 60_000);
    afterAll(async () => {
      await running.app?.stop();
      await running.inbox?.stop();
    });

    itSignsUsersIn(running);
    itStoresErrorsWithTheirUser(running);
    if (sentry) itIsSentThroughSentry(running, sentry.sdkName);
    else itPointsAtTheAppsSource(running, entry);
    itReportsAndCountsUsers(running);
    itKeepsConcurrentUsersApart(running);
  });
}

function itSignsUsersIn(running: Running): void {
  it('POST /login answers a token for a demo account, 401 otherwise', async () => {
    const { app } = running;
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
    const { app } = running;
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
}

function itStoresErrorsWithTheirUser(running: Running): void {
  it('GET /boom (500) and /boom/async are stored with the user who hit them', async () => {
    const { app, inbox } = running;
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
}

function itIsSentThroughSentry(running: Running, sdkName: string): void {
  it("the events are Sentry's SDK's (sdk.name), one per error, with @x's user", async () => {
    const { app, inbox } = running;
    const before = (await eventsIn(inbox.url, 0, 0)).length;
    await fetch(`${app.url}/boom`, { headers: bearer(await tokenFor(app.url, 'bob')) });
    const [event] = (await eventsIn(inbox.url, before + 1)).slice(before);
    const detail = (await (await fetch(`${inbox.url}/api/events/${event?.id}`)).json()) as {
      event: { sdk?: { name?: string } };
    };
    expect(detail.event.sdk?.name).toBe(sdkName);
    expect(event?.user_key).toBe('id:u-bob');
    expect((await eventsIn(inbox.url, before + 2, 500)).length).toBe(before + 1);
  });
}

function itPointsAtTheAppsSource(running: Running, entry: string): void {
  it("the crashing in-app frame of /boom and /boom/async is the app's .ts line, with context", async () => {
    const { app, inbox } = running;
    const before = (await eventsIn(inbox.url, 0, 0)).length;
    await fetch(`${app.url}/boom`);
    await fetch(`${app.url}/boom/async?delay=5`);
    const stored = (await eventsIn(inbox.url, before + 2)).slice(before);
    expect(stored).toHaveLength(2);
    const transactions: (string | undefined)[] = [];
    for (const { id } of stored) {
      const { event } = (await (await fetch(`${inbox.url}/api/events/${id}`)).json()) as {
        event: {
          transaction?: string;
          exception: { values: { stacktrace: { frames: Frame[] } }[] };
        };
      };
      transactions.push(event.transaction);
      expectCrashInAppSource(event.exception.values.at(-1)?.stacktrace.frames ?? [], entry);
    }
    // The route the framework matched names each event (not the URL with its query string).
    expect(transactions.sort()).toEqual(['GET /boom', 'GET /boom/async']);
  });
}

/** The top in-app frame is the app's own file at the throwing line; no dependency is in-app. */
function expectCrashInAppSource(frames: Frame[], entry: string): void {
  const top = frames.filter((f) => f.in_app).at(-1);
  // The developer's own file (not a built chunk), at the line that throws.
  expect(top?.abs_path).toMatch(/\.tsx?$/);
  expect(top?.abs_path?.startsWith(appRoot(entry))).toBe(true);
  const lines = readFileSync(top?.abs_path ?? '', 'utf8').split(/\r?\n/);
  const line = top?.lineno ?? 0;
  expect(lines[line - 1]).toContain("throw new Error('boom')");
  expect(top?.context_line).toBe(lines[line - 1]);
  expect(top?.pre_context).toEqual(lines.slice(Math.max(0, line - 8), line - 1));
  expect(top?.post_context).toEqual(lines.slice(line, line + 7));
  // Dependencies, Node's own code and @x are never the app's.
  const notApp =
    /[\\/]node_modules[\\/]|^node:|^internal\/|[\\/]@x[\\/]|[\\/]packages[\\/](?:core|koa|nest|next)[\\/]/;
  expect(frames.filter((f) => f.in_app && notApp.test(f.abs_path ?? f.filename ?? ''))).toEqual([]);
}

function itReportsAndCountsUsers(running: Running): void {
  it('POST /report sends a message and answers its event id', async () => {
    const { app, inbox } = running;
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
    const { app, inbox } = running;
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
}

function itKeepsConcurrentUsersApart(running: Running): void {
  it('concurrent /whoami answers each carry their own user', async () => {
    const { app } = running;
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
    const { app, inbox } = running;
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
}
