import { parseArgs } from 'node:util';
import { DEFAULT_DB_PATH, DEFAULT_HOST, DEFAULT_PORT, type InboxOptions } from './options';

/** The `x-inbox serve` options, as the help texts list them. */
const SERVE_OPTIONS = `  --port N              port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host HOST           interface to listen on (default ${DEFAULT_HOST}); beyond loopback: a warning,
                        and the UI and API need a token
  --allowed-hosts A,B   also answer these Host names (default: localhost, loopback and the bound address; "all" = any)
  --ui-auth TOKEN       the UI and API need this token (Basic auth password or Bearer); default when bound
                        beyond loopback: a generated one, printed once
  --no-auth             no token even when bound beyond loopback (everything stored is readable)
  --db PATH             SQLite database (default ${DEFAULT_DB_PATH})
  --key KEY             accept only this public key (others: 401/403)
  --trust-proxy [LIST]  believe X-Forwarded-For (all proxies, or e.g. "loopback,10.0.0.0/8", or a hop count)
  --prevent-storing-ip  drop user.ip_address and REMOTE_ADDR after the geo lookup
  --geoip-db PATH       MaxMind GeoLite2/GeoIP2 City .mmdb instead of the bundled DB-IP Lite data
  --no-geo              no geo lookup
  --forward DSN         also send every accepted envelope to this DSN (e.g. Sentry)
  --version, --help
`;

/** The local inbox's default address: where `tail` and `mcp` connect unless told otherwise. */
export const DEFAULT_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;

/** The `x-inbox --help` text: the commands, then the options of `serve` (the default). */
export const HELP = `x-inbox — a local Sentry-compatible inbox for @x

Usage: x-inbox [serve] [options]            run the inbox (the default command)
       x-inbox tail [options]               print events as they are stored, one line each
       x-inbox mcp [options]                MCP server on stdio for coding agents (needs @x/inbox-mcp)
       x-inbox erase-user KEY [--db PATH]   erase one user (e.g. id:u-alice) from the database

\`x-inbox <command> --help\` shows a command's options. Options of serve:

${SERVE_OPTIONS}`;

/** The `x-inbox serve --help` text. */
export const SERVE_HELP = `x-inbox serve — run the inbox (also what \`x-inbox\` alone does)

Usage: x-inbox [serve] [options]

${SERVE_OPTIONS}`;

/** The `x-inbox tail --help` text. */
export const TAIL_HELP = `x-inbox tail — print events as the inbox stores them, one line each

Usage: x-inbox tail [options]

  --url URL             the inbox (default ${DEFAULT_URL})
  --token TOKEN         the UI/API token, when the inbox needs one (or X_INBOX_TOKEN)
  --json                one JSON object per line: seq, id, received, level, title, user_key, user,
                        transaction, release, issue_id
  --user KEY            only this user's events (a user key: id:u-alice, email:alice@example.com, …)
  --transaction T       only events of this transaction (route), e.g. "GET /boom/:id"
  --level L             only events of this level (fatal, error, warning, info, debug)
  --help

Follows from the moment it starts; when the connection drops it reconnects and resumes after the
last event printed. Ctrl-C stops it.
`;

/** The `x-inbox mcp --help` text. */
export const MCP_HELP = `x-inbox mcp — a Model Context Protocol server on stdio over the inbox's JSON API

Usage: x-inbox mcp [options]

  --url URL             the inbox (default ${DEFAULT_URL})
  --token TOKEN         the UI/API token, when the inbox needs one (or X_INBOX_TOKEN)
  --help

Needs the @x/inbox-mcp package: npm install --save-dev @x/inbox-mcp
`;

/** The `x-inbox erase-user --help` text. */
export const ERASE_USER_HELP = `x-inbox erase-user — erase one user from the database

Usage: x-inbox erase-user KEY [--db PATH]

  KEY                   the user key, e.g. id:u-alice or email:alice@example.com
  --db PATH             SQLite database (default ${DEFAULT_DB_PATH})
  --help

Deletes the user's events and per-issue rows and the issues left empty, recounts the others.
`;

/** What `x-inbox erase-user KEY --db PATH` asks for. */
export interface EraseUserArgs {
  command: 'erase-user';
  /** The user key, e.g. `id:u-alice` or `email:alice@example.com`. */
  userKey: string;
  /** The database file. */
  dbPath: string;
}

/**
 * Parses `erase-user KEY [--db PATH]` (the arguments after `x-inbox`); `undefined` when the
 * first argument is not `erase-user`, `'help'` for `--help`. Throws with a usage hint on bad input.
 */
export function parseEraseUserArgs(argv: string[]): EraseUserArgs | 'help' | undefined {
  if (argv[0] !== 'erase-user') return undefined;
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    strict: true,
    allowPositionals: true,
    options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  const userKey = positionals[0];
  if (positionals.length !== 1 || !userKey) {
    throw new Error('erase-user needs exactly one user key, e.g. x-inbox erase-user id:u-alice');
  }
  if (values.db === ':memory:') throw new Error('erase-user needs a database file (--db PATH)');
  return { command: 'erase-user', userKey, dbPath: values.db ?? DEFAULT_DB_PATH };
}

/** Parses `x-inbox` arguments into {@link InboxOptions}; throws with a usage hint on bad input. */
export function parseCliArgs(argv: string[]): InboxOptions | 'help' | 'version' {
  // `--trust-proxy` may stand alone (trust every proxy).
  const args = argv.flatMap((arg, i) =>
    arg === '--trust-proxy' && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--'))
      ? ['--trust-proxy=true']
      : [arg],
  );
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allowed-hosts': { type: 'string' },
      'ui-auth': { type: 'string' },
      'no-auth': { type: 'boolean' },
      db: { type: 'string' },
      key: { type: 'string' },
      'trust-proxy': { type: 'string' },
      'prevent-storing-ip': { type: 'boolean' },
      'geoip-db': { type: 'string' },
      'no-geo': { type: 'boolean' },
      forward: { type: 'string' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (values['no-auth'] && values['ui-auth'] !== undefined) {
    throw new Error('--ui-auth and --no-auth exclude each other');
  }
  if (values['ui-auth'] !== undefined && values['ui-auth'].length < 8) {
    throw new Error('--ui-auth needs a token of at least 8 characters');
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0…65535, got "${values.port}"`);
  }
  return {
    port,
    host: values.host,
    allowedHosts: values['allowed-hosts']
      ?.split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
    ...(values['no-auth']
      ? { uiAuth: false as const }
      : values['ui-auth'] !== undefined
        ? { uiAuth: values['ui-auth'] }
        : {}),
    dbPath: values.db,
    key: values.key,
    trustProxy: values['trust-proxy'] ?? false,
    preventStoringIp: values['prevent-storing-ip'] ?? false,
    geo: !values['no-geo'],
    geoipDb: values['geoip-db'],
    forward: values.forward,
  };
}

/** What `x-inbox tail` asks for. */
export interface TailArgs {
  /** The inbox's base URL. */
  url: string;
  /** The UI/API token, sent as `Authorization: Bearer …`. */
  token: string | undefined;
  /** One JSON object per line instead of a readable line. */
  json: boolean;
  /** Only this user key's events (`id:u-alice`, …); filtered by the inbox. */
  user: string | undefined;
  /** Only events of this transaction (route); filtered by the inbox. */
  transaction: string | undefined;
  /** Only events of this level; filtered by the inbox. */
  level: string | undefined;
}

/** What `x-inbox mcp` asks for: the options `runMcpServer` of `@x/inbox-mcp` takes. */
export interface McpArgs {
  /** The inbox's base URL. */
  url: string;
  /** The UI/API token, when the inbox needs one. */
  token?: string;
}

/** A parsed `x-inbox` command line. */
export type CliCommand =
  | { command: 'serve'; options: InboxOptions }
  | { command: 'erase-user'; args: EraseUserArgs }
  | { command: 'tail'; args: TailArgs }
  | { command: 'mcp'; args: McpArgs }
  | { command: 'help'; text: string }
  | { command: 'version' };

/** The subcommands; `serve` is also what a command line without one (or starting with a flag) runs. */
export const COMMANDS = ['serve', 'tail', 'mcp', 'erase-user'] as const;

const LEVELS = new Set(['fatal', 'error', 'warning', 'info', 'debug']);

/**
 * Parses the arguments after `x-inbox` into a command. Throws with a one-line message on bad
 * input: an unknown command or flag, a bad value.
 */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return serveCommand(argv, HELP);
  if (first === 'serve') return serveCommand(rest, SERVE_HELP);
  if (first === 'erase-user') {
    const erase = parseEraseUserArgs(argv) as EraseUserArgs | 'help';
    return erase === 'help'
      ? { command: 'help', text: ERASE_USER_HELP }
      : { command: 'erase-user', args: erase };
  }
  if (first === 'tail') return tailCommand(rest, env);
  if (first === 'mcp') return mcpCommand(rest, env);
  throw new Error(
    `unknown command "${first}" (commands: ${COMMANDS.join(', ')}; see x-inbox --help)`,
  );
}

function serveCommand(argv: string[], help: string): CliCommand {
  const options = parseCliArgs(argv);
  if (options === 'help') return { command: 'help', text: help };
  if (options === 'version') return { command: 'version' };
  return { command: 'serve', options };
}

function tailCommand(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      user: { type: 'string' },
      transaction: { type: 'string' },
      level: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { command: 'help', text: TAIL_HELP };
  if (values.level !== undefined && !LEVELS.has(values.level)) {
    throw new Error(`--level must be one of ${[...LEVELS].join(', ')}, got "${values.level}"`);
  }
  return {
    command: 'tail',
    args: {
      url: inboxUrl(values.url),
      token: values.token ?? (env.X_INBOX_TOKEN || undefined),
      json: values.json ?? false,
      user: values.user || undefined,
      transaction: values.transaction || undefined,
      level: values.level,
    },
  };
}

function mcpCommand(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { command: 'help', text: MCP_HELP };
  const token = values.token ?? (env.X_INBOX_TOKEN || undefined);
  return {
    command: 'mcp',
    args: { url: inboxUrl(values.url), ...(token === undefined ? {} : { token }) },
  };
}

/** `--url`: an http(s) URL, without a trailing slash; the local inbox's by default. */
function inboxUrl(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url must be an http(s) URL such as ${DEFAULT_URL}, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--url must be an http(s) URL such as ${DEFAULT_URL}, got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}
