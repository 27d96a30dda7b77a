// The built x-inbox-mcp, driven by the MCP SDK's own client over stdio, against a real inbox
// holding events of several users sent as envelopes over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callError,
  callJson,
  cliPath,
  connect,
  type McpSession,
  newEventId,
  sendEvent,
  startTestInbox,
} from './helpers';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function crash(type: string, value: string, fn: string, user: Record<string, unknown>, extra = {}) {
  return {
    event_id: newEventId(),
    platform: 'node',
    release: 'shop@2.0.0',
    exception: {
      values: [
        {
          type,
          value,
          mechanism: { type: 'onerror', handled: false },
          stacktrace: {
            frames: [
              {
                function: 'processTicksAndRejections',
                filename: 'node:internal/process',
                lineno: 95,
                in_app: false,
              },
              {
                function: 'handle',
                filename: 'src/router.js',
                lineno: 12,
                colno: 3,
                in_app: true,
                context_line: '    return route(req);',
              },
              {
                function: fn,
                filename: `src/${fn}.js`,
                lineno: 42,
                colno: 7,
                in_app: true,
                context_line: `  throw new ${type}('${value}');`,
              },
            ],
          },
        },
      ],
    },
    transaction: `POST /${fn}`,
    user,
    ...extra,
  };
}

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let session: McpSession;
const sent: Record<string, string> = {};
const alice = { id: 'u-alice', email: 'alice@example.com' };
const bob = { id: 'u-bob' };

beforeAll(async () => {
  inbox = await startTestInbox();
  sent.alice1 = await sendEvent(inbox, crash('TypeError', 'card declined', 'checkout', alice));
  sent.bob1 = await sendEvent(inbox, crash('TypeError', 'card declined', 'checkout', bob));
  sent.alice2 = await sendEvent(inbox, crash('TypeError', 'card declined', 'checkout', alice));
  sent.aliceMsg = await sendEvent(inbox, {
    event_id: newEventId(),
    message: 'Payment retry budget exhausted',
    level: 'warning',
    user: alice,
  });
  sent.bob2 = await sendEvent(
    inbox,
    crash('RangeError', 'quantity out of range', 'cart', bob, {
      contexts: { trace: { trace_id: TRACE, span_id: 'a3ce929d0e0e4736' } },
    }),
  );
  sent.carol = await sendEvent(
    inbox,
    crash('RangeError', 'quantity out of range', 'cart', { username: 'carol' }),
  );
  session = await connect([cliPath, '--url', inbox.url]);
});

afterAll(async () => {
  await session?.close();
  await inbox?.dispose();
});

const aliceIds = () => [sent.alice1, sent.alice2, sent.aliceMsg].sort();

describe('x-inbox-mcp over stdio', () => {
  it('lists the read-only tools with their input schemas', async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'get_event',
      'get_issue',
      'list_issues',
      'search_events',
      'user_impact',
    ]);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(60);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    }
    const search = tools.find((tool) => tool.name === 'search_events');
    expect(Object.keys(search?.inputSchema.properties ?? {}).sort()).toEqual([
      'cursor',
      'limit',
      'query',
      'trace_id',
      'transaction',
      'user',
    ]);
    const impact = tools.find((tool) => tool.name === 'user_impact');
    expect(impact?.inputSchema.required).toEqual(['user']);
  });

  it("search_events by user id:u-alice returns exactly alice's events", async () => {
    const { events } = await callJson<{
      events: { id: string; user: string; release: string | null }[];
    }>(session, 'search_events', { user: 'id:u-alice' });
    expect(events.map((event) => event.id).sort()).toEqual(aliceIds());
    expect(new Set(events.map((event) => event.user))).toEqual(new Set(['id:u-alice']));
    expect(events.find((event) => event.id === sent.alice1)?.release).toBe('shop@2.0.0');
  });

  it('search_events finds a substring of the title or the message', async () => {
    const byMessage = await callJson<{ events: { id: string }[] }>(session, 'search_events', {
      query: 'retry BUDGET',
    });
    expect(byMessage.events.map((event) => event.id)).toEqual([sent.aliceMsg]);
    const byTitle = await callJson<{ events: { id: string }[] }>(session, 'search_events', {
      query: 'card declined',
      user: 'id:u-bob',
    });
    expect(byTitle.events.map((event) => event.id)).toEqual([sent.bob1]);
    const byTrace = await callJson<{ events: { id: string }[] }>(session, 'search_events', {
      trace_id: TRACE.toUpperCase(),
    });
    expect(byTrace.events.map((event) => event.id)).toEqual([sent.bob2]);
    const byRoute = await callJson<{ events: { id: string }[] }>(session, 'search_events', {
      transaction: 'POST /cart',
      limit: 1,
    });
    expect(byRoute.events.map((event) => event.id)).toEqual([sent.carol]);
  });

  it("user_impact answers alice's issues and events", async () => {
    const impact = await callJson<{
      user_key: string;
      events: number;
      issues: number;
      issues_hit: { id: number; title: string; user_events: number; users_affected: number }[];
      latest_events: { id: string }[];
    }>(session, 'user_impact', { user: 'id:u-alice' });
    expect(impact).toMatchObject({ user_key: 'id:u-alice', events: 3, issues: 2 });
    expect(impact.latest_events.map((event) => event.id).sort()).toEqual(aliceIds());
    const titles = impact.issues_hit.map((issue) => [
      issue.title,
      issue.user_events,
      issue.users_affected,
    ]);
    expect(titles.sort()).toEqual([
      ['Payment retry budget exhausted', 1, 1],
      ['TypeError: card declined', 2, 2],
    ]);
  });

  it('list_issues and get_issue: who hit it, and the latest stack', async () => {
    const { issues } = await callJson<{
      issues: { id: number; title: string; users_affected: number; events: number }[];
    }>(session, 'list_issues', { sort: 'users' });
    expect(issues).toHaveLength(3);
    const declined = issues.find((issue) => issue.title === 'TypeError: card declined');
    expect(declined).toMatchObject({ users_affected: 2, events: 3 });
    const detail = await callJson<{
      users: { user_key: string; events: number }[];
      latest_event: {
        id: string;
        user: string;
        exceptions: { type: string; value: string; frames: unknown[]; frames_omitted: number }[];
      };
    }>(session, 'get_issue', { issue_id: declined?.id });
    expect(detail.users.map((user) => [user.user_key, user.events])).toEqual([
      ['id:u-alice', 2],
      ['id:u-bob', 1],
    ]);
    expect(detail.latest_event.id).toBe(sent.alice2);
    expect(detail.latest_event.exceptions).toEqual([
      {
        type: 'TypeError',
        value: 'card declined',
        handled: false,
        frames: [
          {
            at: 'src/checkout.js:42:7',
            function: 'checkout',
            context_line: "throw new TypeError('card declined');",
            in_app: true,
          },
          {
            at: 'src/router.js:12:3',
            function: 'handle',
            context_line: 'return route(req);',
            in_app: true,
          },
        ],
        frames_omitted: 1,
      },
    ]);
  });

  it('get_event returns the stored event in full', async () => {
    const dashed = sent.bob2?.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    const event = await callJson<{ id: string; trace_id: string; event: Record<string, unknown> }>(
      session,
      'get_event',
      { event_id: dashed },
    );
    expect(event).toMatchObject({
      id: sent.bob2,
      trace_id: TRACE,
      event: { user: { id: 'u-bob' } },
    });
  });

  it('answers bad arguments with an error result and keeps answering', async () => {
    expect(await callError(session, 'search_events', { limit: 'ten' })).toMatch(/limit/);
    expect(await callError(session, 'search_events', { trace_id: 'abc' })).toMatch(/32 hex digits/);
    expect(await callError(session, 'search_events', { trace_id: '0'.repeat(32) })).toMatch(
      /zeros/,
    );
    expect(await callError(session, 'search_events', { user: 'u-alice' })).toMatch(/id:u-alice/);
    expect(await callError(session, 'get_event', { event_id: 'nope' })).toMatch(/32 hex digits/);
    expect(await callError(session, 'get_event', { event_id: newEventId() })).toMatch(/no event/);
    expect(await callError(session, 'get_issue', { issue_id: 999_999 })).toMatch(/no issue 999999/);
    expect(await callError(session, 'get_issue', {})).toMatch(/issue_id/);
    expect(await callError(session, 'user_impact', { user: 'id:nobody' })).toMatch(
      /no event has the user key id:nobody/,
    );
    expect(await callError(session, 'erase_user', { user: 'id:u-alice' })).toMatch(/not found/);
    const { issues } = await callJson<{ issues: unknown[] }>(session, 'list_issues');
    expect(issues).toHaveLength(3);
  });

  it('writes nothing but JSON-RPC to stdout, and logs on stderr', () => {
    expect(session.errors).toEqual([]);
    expect(session.stderr.join('')).toContain(`reading the inbox at ${inbox.url}`);
  });
});

describe('an unreachable inbox', () => {
  it('gives an error that names the URL', async () => {
    const url = 'http://127.0.0.1:9';
    const lonely = await connect([cliPath, '--url', url]);
    try {
      const text = await callError(lonely, 'list_issues', {});
      expect(text).toContain(`cannot reach the inbox at ${url}`);
      expect(lonely.errors).toEqual([]);
    } finally {
      await lonely.close();
    }
  });

  it('refuses a malformed --url at startup', async () => {
    const { execFileSync } = await import('node:child_process');
    let stderr = '';
    try {
      execFileSync(process.execPath, [cliPath, '--url', 'localhost:8969'], { stdio: 'pipe' });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('must be an http(s) address');
  });
});
