import { parseArgs } from 'node:util';
import { DEFAULT_DB_PATH, DEFAULT_HOST, DEFAULT_PORT, type InboxOptions } from './options';

/** The `x-inbox --help` text. */
export const HELP = `x-inbox — a local Sentry-compatible inbox for @x

Usage: x-inbox [options]
       x-inbox erase-user KEY [--db PATH]   erase one user (e.g. id:u-alice) from the database

  --port N              port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
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
 * first argument is not `erase-user`. Throws with a usage hint on bad input.
 */
export function parseEraseUserArgs(argv: string[]): EraseUserArgs | undefined {
  if (argv[0] !== 'erase-user') return undefined;
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    strict: true,
    allowPositionals: true,
    options: { db: { type: 'string' } },
  });
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
