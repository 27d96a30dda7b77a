import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type {
  EventDetail,
  EventMatch,
  IssueDetail,
  IssueSummary,
  Page,
  UserDetail,
} from '@x/inbox';
import { z } from 'zod';
import { InboxApiError, type InboxClient } from './inboxClient';
import { eventBrief, exceptionsOf, issueBrief, messageOf } from './shapes';

const DEFAULT_LIMIT = 20;

const userKey = z
  .string()
  .max(300)
  .regex(
    /^(id|username|email|ip):\S/,
    'a user key is id:<id>, username:<name>, email:<address> or ip:<address>, e.g. id:u-alice',
  )
  .describe(
    'A user key as the inbox counts users: "id:<user id>" (e.g. "id:u-alice"), else ' +
      '"username:<name>", "email:<address>" or "ip:<address>" — the first the user has.',
  );

const limit = z
  .number()
  .int()
  .min(1)
  .max(100)
  .optional()
  .describe(`How many to return (1–100, default ${DEFAULT_LIMIT}).`);

const cursor = z
  .string()
  .max(500)
  .optional()
  .describe('The next_cursor of a previous answer, for the next page.');

const transaction = z
  .string()
  .max(200)
  .optional()
  .describe('A route exactly as the events carry it, e.g. "GET /orders/:id".');

const traceId = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, 'a trace id is 32 hex digits')
  .refine((id) => !/^0+$/.test(id), 'a trace id is not all zeros')
  .describe('A W3C trace id (32 hex digits): the events of that one distributed trace.');

const eventId = z
  .string()
  .regex(
    /^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/,
    'an event id is 32 hex digits (dashes of the UUID form allowed)',
  )
  .describe('An event id (32 hex digits), as search_events or get_issue return it.');

const READ_ONLY = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

/** A tool's answer: compact JSON as text. */
function answer(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

/** Runs `request`; a 404 from the inbox becomes an error saying `notFound`. */
async function orNotFound<T>(request: Promise<T>, notFound: string): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof InboxApiError && error.status === 404) throw new Error(notFound);
    throw error;
  }
}

/** Registers the read-only tools on `server`, answering from the inbox behind `inbox`. */
export function registerTools(server: McpServer, inbox: InboxClient): void {
  registerIssueTools(server, inbox);
  registerEventTools(server, inbox);
  registerUserTools(server, inbox);
}

function registerIssueTools(server: McpServer, inbox: InboxClient): void {
  server.registerTool(
    'list_issues',
    {
      title: 'List issues',
      description:
        'Lists the error issues the local inbox grouped (newest activity first by default), each ' +
        'with how many distinct users it affected, its event count, first/last seen, title, ' +
        'culprit (where in the code) and route. Start here; then get_issue for the users and ' +
        'stack.',
      inputSchema: {
        sort: z
          .enum(['last_seen', 'first_seen', 'events', 'users'])
          .optional()
          .describe(
            'Sort, descending: last_seen (default), first_seen, events or users (affected).',
          ),
        transaction: transaction.describe(
          'Only issues with an event on this route, exactly as sent, e.g. "GET /orders/:id".',
        ),
        limit,
        cursor,
      },
      annotations: { title: 'List issues', ...READ_ONLY },
    },
    async (args) => {
      const page = await inbox.get<Page<IssueSummary>>('/api/issues', {
        sort: args.sort,
        transaction: args.transaction,
        limit: args.limit ?? DEFAULT_LIMIT,
        cursor: args.cursor,
      });
      return answer({ issues: page.data.map(issueBrief), next_cursor: page.next_cursor });
    },
  );

  server.registerTool(
    'get_issue',
    {
      title: 'Get an issue',
      description:
        'One issue: who hit it (the users affected, up to 100, most events first, with their ' +
        'event counts and first/last seen) and its latest event with the exception type and ' +
        'value and the in-app stack frames (file:line, function, source line), most recent ' +
        'call first.',
      inputSchema: {
        issue_id: z.number().int().min(1).describe('The issue id, as list_issues returns it.'),
      },
      annotations: { title: 'Get an issue', ...READ_ONLY },
    },
    async ({ issue_id }) => {
      const issue = await orNotFound(
        inbox.get<IssueDetail>(`/api/issues/${issue_id}`),
        `no issue ${issue_id} in the inbox at ${inbox.url}: list_issues shows the ids`,
      );
      return answer({
        issue: issueBrief(issue),
        users: (issue.users ?? []).map((user) => ({
          user_key: user.user_key,
          events: user.event_count,
          first_seen: user.first_seen,
          last_seen: user.last_seen,
          user: user.user,
        })),
        latest_event: issue.last_event_id ? await latestEvent(inbox, issue.last_event_id) : null,
      });
    },
  );
}

/** The issue's latest event with its stack, or `null` when it is gone (erased meanwhile). */
async function latestEvent(inbox: InboxClient, id: string) {
  let detail: EventDetail;
  try {
    detail = await inbox.get<EventDetail>(`/api/events/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof InboxApiError && error.status === 404) return null;
    throw error;
  }
  const event = detail.event ?? {};
  return {
    ...eventBrief({ ...detail, release: typeof event.release === 'string' ? event.release : null }),
    message: messageOf(event),
    exceptions: exceptionsOf(event),
  };
}

function registerEventTools(server: McpServer, inbox: InboxClient): void {
  server.registerTool(
    'search_events',
    {
      title: 'Search events',
      description:
        'Finds error events, newest first, by user key, route, trace id and/or text in the title ' +
        'or message; each with id, time, level, title, user key, route, release, issue_id and ' +
        'trace_id. E.g. {"user":"id:u-alice"} lists what Alice hit. get_event gives one in full.',
      inputSchema: {
        user: userKey.optional(),
        transaction,
        trace_id: traceId.optional(),
        query: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('Text the title or message contains (case-insensitive), e.g. "card declined".'),
        limit,
        cursor,
      },
      annotations: { title: 'Search events', ...READ_ONLY },
    },
    async (args) => {
      const page = await inbox.get<Page<EventMatch>>('/api/search/events', {
        user: args.user,
        transaction: args.transaction,
        trace_id: args.trace_id,
        q: args.query,
        limit: args.limit ?? DEFAULT_LIMIT,
        cursor: args.cursor,
      });
      return answer({ events: page.data.map(eventBrief), next_cursor: page.next_cursor });
    },
  );

  server.registerTool(
    'get_event',
    {
      title: 'Get an event',
      description:
        'One event in full, as the inbox stores it (Sentry event format): exception and stack ' +
        'frames with source context, message, request, breadcrumbs, tags, contexts, the user ' +
        '(with geo) and _meta notes on what the inbox dropped.',
      inputSchema: { event_id: eventId },
      annotations: { title: 'Get an event', ...READ_ONLY },
    },
    async ({ event_id }) => {
      const id = event_id.replaceAll('-', '').toLowerCase();
      const event = await orNotFound(
        inbox.get<EventDetail>(`/api/events/${id}`),
        `no event ${id} in the inbox at ${inbox.url}: search_events lists event ids`,
      );
      return answer(event);
    },
  );
}

function registerUserTools(server: McpServer, inbox: InboxClient): void {
  server.registerTool(
    'user_impact',
    {
      title: 'User impact',
      description:
        'Everything one user hit: their event and issue counts, first/last seen, the issues ' +
        '(with their own event count in each, and how many users each affected) and their ' +
        'latest events. The user is a user key such as "id:u-alice".',
      inputSchema: { user: userKey, limit, cursor },
      annotations: { title: 'User impact', ...READ_ONLY },
    },
    async (args) => {
      const detail = await orNotFound(
        inbox.get<UserDetail>(`/api/users/${encodeURIComponent(args.user)}`, {
          limit: args.limit ?? DEFAULT_LIMIT,
          cursor: args.cursor,
        }),
        `no event has the user key ${args.user} in the inbox at ${inbox.url} ` +
          '(keys look like id:u-alice; search_events shows the keys events carry)',
      );
      return answer({
        user_key: detail.user_key,
        user: detail.user,
        events: detail.event_count,
        issues: detail.issue_count,
        first_seen: detail.first_seen,
        last_seen: detail.last_seen,
        issues_hit: detail.issues.map((issue) => ({
          ...issueBrief(issue),
          user_events: issue.user_events,
          user_first_seen: issue.user_first_seen,
          user_last_seen: issue.user_last_seen,
        })),
        latest_events: detail.events.map(eventBrief),
        next_cursor: detail.next_cursor,
      });
    },
  );
}
