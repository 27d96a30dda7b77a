import { parseArgs } from 'node:util';
import { DEFAULT_INBOX_URL } from './inboxClient';
import type { InboxMcpOptions } from './index';

/** `x-inbox-mcp --help`. */
export const HELP = `x-inbox-mcp: a read-only MCP server (stdio) for a running x-inbox

usage: x-inbox-mcp [--url URL] [--token TOKEN]

  --url URL       the inbox's address (default ${DEFAULT_INBOX_URL}; env X_INBOX_URL)
  --token TOKEN   the inbox's UI/API token, when it has one (env X_INBOX_TOKEN)
  -h, --help      this help
  -v, --version   the version

Tools: list_issues, get_issue, search_events, get_event, user_impact (read-only).
Speaks JSON-RPC on stdin/stdout; logs go to stderr.`;

/** The parsed command line: options to serve with, or `help`/`version`. */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): InboxMcpOptions | 'help' | 'version' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  return {
    url: values.url ?? (env.X_INBOX_URL || DEFAULT_INBOX_URL),
    token: values.token ?? (env.X_INBOX_TOKEN || undefined),
  };
}
