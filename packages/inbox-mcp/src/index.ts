// The public entry: an MCP server (stdio) that answers from a running @x/inbox, read-only.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { DEFAULT_INBOX_URL, InboxClient } from './inboxClient';
import { registerTools } from './tools';
import { VERSION } from './version';

export { DEFAULT_INBOX_URL } from './inboxClient';

/** Where the inbox is, and how to get in. */
export interface InboxMcpOptions {
  /**
   * The running inbox's base URL (what `x-inbox` prints as "listening on").
   * @default "http://127.0.0.1:8969"
   */
  url?: string | undefined;
  /** The inbox's UI/API token, when it has one (`--ui-auth`, or bound beyond loopback). */
  token?: string | undefined;
}

/**
 * Creates the MCP server with its read-only tools (`list_issues`, `get_issue`, `search_events`,
 * `get_event`, `user_impact`), answering from the inbox at `options.url`. Not connected: pass it
 * a transport with `server.connect(transport)`. The inbox is first asked when a tool is called.
 *
 * @throws {Error} when `options.url` is not an http(s) URL.
 * @example
 * const server = createInboxMcpServer({ url: 'http://127.0.0.1:8969' });
 * await server.connect(new StdioServerTransport());
 */
export function createInboxMcpServer(options: InboxMcpOptions = {}): McpServer {
  const inbox = new InboxClient(options.url ?? DEFAULT_INBOX_URL, options.token);
  const server = new McpServer(
    { name: 'x-inbox', title: 'x inbox: who hit this?', version: VERSION },
    {
      instructions:
        'Read-only access to a local Sentry-compatible inbox (@x/inbox): the errors an app sent ' +
        'while you ran it, grouped into issues, with the users they affected. Use list_issues, ' +
        'then get_issue for who hit an issue and its stack; search_events and user_impact for ' +
        'what one user (a key such as id:u-alice) hit.',
    },
  );
  registerTools(server, inbox);
  return server;
}

/**
 * Serves the MCP server over stdio (JSON-RPC on stdin/stdout) until stdin closes. While it runs,
 * `console.log`/`info`/`debug` write to stderr, so nothing but JSON-RPC reaches stdout. Logs the
 * inbox it talks to (and whether it answers yet) on stderr.
 *
 * @throws {Error} when `options.url` is not an http(s) URL.
 * @example
 * await runMcpServer({ url: 'http://127.0.0.1:8969' });
 */
export async function runMcpServer(options: InboxMcpOptions = {}): Promise<void> {
  const server = createInboxMcpServer(options);
  const inbox = new InboxClient(options.url ?? DEFAULT_INBOX_URL, options.token);
  for (const level of ['log', 'info', 'debug'] as const) console[level] = console.error;
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  process.stdin.once('end', () => void server.close());
  void inbox.get<{ version?: string }>('/api/health').then(
    (health) =>
      console.error(
        `x-inbox-mcp: reading the inbox at ${inbox.url} (x-inbox ${health.version ?? '?'})`,
      ),
    (error: Error) => console.error(`x-inbox-mcp: ${error.message}; the tools answer once it runs`),
  );
  await closed;
}
