// Two SQLite drivers behind one small interface: Node's built-in `node:sqlite`
// (Node ≥ 22.13, nothing to compile) and `better-sqlite3` (an optional peer
// dependency, for older Nodes). The store and the web UI's queries only use
// what is declared here.
import { createRequire } from 'node:module';

/** The SQLite drivers the inbox can use. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

/** The environment variable that forces a driver (`node:sqlite` or `better-sqlite3`). */
export const SQLITE_DRIVER_ENV = 'X_INBOX_SQLITE';

/** A value SQLite can bind. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/**
 * Statement parameters: positional values for `?`, and/or one object for
 * named ones (`@name` is bound from the key `name`).
 */
export type SqlParam = SqlValue | Readonly<Record<string, SqlValue>>;

/** A result row: a plain object, column name → value (integers as numbers). */
export type SqlRow = Record<string, unknown>;

/** What {@link SqlStatement.run} reports. */
export interface SqlRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  /** The rowid of the last inserted row. */
  lastInsertRowid: number;
}

/** A prepared statement, the same on both drivers. */
export interface SqlStatement {
  /** Executes the statement and reports the rows changed. */
  run(...params: SqlParam[]): SqlRunResult;
  /** Executes the statement and returns its first row, or `undefined`. */
  get(...params: SqlParam[]): SqlRow | undefined;
  /** Executes the statement and returns every row. */
  all(...params: SqlParam[]): SqlRow[];
}

/** An open SQLite database, the same on both drivers. */
export interface SqliteDatabase {
  /** The driver behind it. */
  readonly driver: SqliteDriverName;
  /** `false` once closed. */
  readonly open: boolean;
  /** Runs one or more statements without parameters or results (DDL, `PRAGMA x = y`). */
  exec(sql: string): void;
  /** Compiles a statement. */
  prepare(sql: string): SqlStatement;
  /**
   * Wraps `fn` so each call runs in one transaction: `BEGIN`, then `COMMIT`,
   * or `ROLLBACK` when `fn` throws (the error is rethrown). A call inside
   * another transaction uses a savepoint. `fn` must be synchronous.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** Closes the database; later calls do nothing. */
  close(): void;
}

/** Options of {@link openSqlite}. */
export interface OpenSqliteOptions {
  /**
   * The driver: `node:sqlite` when this Node has it, else `better-sqlite3`,
   * unless {@link SQLITE_DRIVER_ENV} or this option names one.
   */
  driver?: SqliteDriverName | undefined;
  /** Where `X_INBOX_SQLITE` is read from. @default process.env */
  env?: Record<string, string | undefined> | undefined;
}

/**
 * Thrown when no SQLite driver can be loaded. Its message is one line that
 * says what to do (install or rebuild better-sqlite3, or use Node ≥ 22.13).
 */
export class SqliteUnavailableError extends Error {
  /** @param message One line: what is wrong and what to do. */
  constructor(message: string) {
    super(message);
    this.name = 'SqliteUnavailableError';
  }
}

/**
 * Opens (creating when needed) the SQLite database at `path` (`:memory:`
 * works too) with the driver {@link chooseSqliteDriver} picks.
 *
 * @throws {SqliteUnavailableError} when that driver cannot be loaded.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  const driver = options.driver ?? chooseSqliteDriver(options.env ?? process.env);
  const forced =
    options.driver !== undefined || readDriverEnv(options.env ?? process.env) !== undefined;
  return driver === 'node:sqlite' ? openNodeSqlite(path) : openBetterSqlite3(path, forced);
}

/**
 * The driver to use: the one `X_INBOX_SQLITE` names, else `node:sqlite` when
 * this Node has it (≥ 22.13), else `better-sqlite3`.
 *
 * @throws {SqliteUnavailableError} when `X_INBOX_SQLITE` names no known driver.
 */
export function chooseSqliteDriver(
  env: Record<string, string | undefined> = process.env,
): SqliteDriverName {
  return readDriverEnv(env) ?? (loadNodeSqlite() ? 'node:sqlite' : 'better-sqlite3');
}

/** Whether this Node has `node:sqlite` (built in and unflagged from Node 22.13). */
export function hasNodeSqlite(): boolean {
  return loadNodeSqlite() !== undefined;
}

function readDriverEnv(env: Record<string, string | undefined>): SqliteDriverName | undefined {
  const value = env[SQLITE_DRIVER_ENV];
  if (value === undefined || value === '') return undefined;
  if (value === 'node:sqlite' || value === 'better-sqlite3') return value;
  throw new SqliteUnavailableError(
    `@x/inbox: ${SQLITE_DRIVER_ENV} must be "node:sqlite" or "better-sqlite3", got "${value}"`,
  );
}

const NPM_INSTALL = 'install better-sqlite3 (`npm i -D better-sqlite3`)';
const REBUILD_ABI = 'run `npm rebuild better-sqlite3` (pnpm: `pnpm rebuild better-sqlite3`)';
const REBUILD =
  'run `npm rebuild better-sqlite3` (pnpm: `pnpm rebuild better-sqlite3`; pnpm 10 builds it only when allowed: add it to `onlyBuiltDependencies` or run `pnpm approve-builds`)';

/** Where a driver failed to load, for {@link sqliteLoadError}. */
export interface SqliteLoadContext {
  /** The driver that failed. */
  driver: SqliteDriverName;
  /** `true` when `X_INBOX_SQLITE` (or an option) asked for it. */
  forced: boolean;
  /** Whether this Node has `node:sqlite`. @default hasNodeSqlite() */
  nodeSqlite?: boolean | undefined;
  /** This Node's version. @default process.versions.node */
  nodeVersion?: string | undefined;
}

/**
 * Maps a failure to load a driver to one line saying what to do: better-sqlite3
 * not installed ("install better-sqlite3 … or use Node ≥ 22.13"), installed but
 * its native module missing ("Could not locate the bindings file": its install
 * script did not run) or built for another Node ("NODE_MODULE_VERSION"):
 * "run `npm rebuild better-sqlite3`"; `node:sqlite` asked for on a Node
 * without it.
 *
 * @param error What loading threw (`undefined` for a missing `node:sqlite`).
 */
export function sqliteLoadError(
  error: unknown,
  context: SqliteLoadContext,
): SqliteUnavailableError {
  const version = context.nodeVersion ?? process.versions.node;
  const nodeSqlite = context.nodeSqlite ?? hasNodeSqlite();
  const orNewNode = nodeSqlite ? '' : ', or use Node ≥ 22.13, which has node:sqlite built in';
  const orUnset =
    context.forced && nodeSqlite ? `, or unset ${SQLITE_DRIVER_ENV} to use node:sqlite` : '';
  if (context.driver === 'node:sqlite') {
    return new SqliteUnavailableError(
      `@x/inbox: ${SQLITE_DRIVER_ENV}=node:sqlite, but Node ${version} has no node:sqlite: use Node ≥ 22.13, or ${NPM_INSTALL} and unset ${SQLITE_DRIVER_ENV}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' && /['"]better-sqlite3['"]/.test(message)) {
    return new SqliteUnavailableError(
      context.forced
        ? `@x/inbox: ${SQLITE_DRIVER_ENV}=better-sqlite3, but better-sqlite3 is not installed: ${NPM_INSTALL}${orUnset}`
        : `@x/inbox: no SQLite driver on Node ${version}: ${NPM_INSTALL}${orNewNode}`,
    );
  }
  if (message.includes('Could not locate the bindings file')) {
    return new SqliteUnavailableError(
      `@x/inbox: better-sqlite3 is installed but its native module was never built (its install script did not run): ${REBUILD}${orNewNode}${orUnset}`,
    );
  }
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) {
    return new SqliteUnavailableError(
      `@x/inbox: better-sqlite3's native module was built for another Node (NODE_MODULE_VERSION ${abi[1]}; Node ${version} needs ${abi[2]}): ${REBUILD_ABI}${orUnset}`,
    );
  }
  const firstLine = message.split('\n', 1)[0]?.trim() || String(code ?? 'unknown error');
  return new SqliteUnavailableError(
    `@x/inbox: better-sqlite3 could not be loaded (${firstLine}): ${REBUILD}${orNewNode}${orUnset}`,
  );
}

/** A native-module load failure (as opposed to, say, a file that cannot be opened). */
function isNativeLoadFailure(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ERR_DLOPEN_FAILED' ||
    code === 'MODULE_NOT_FOUND' ||
    message.includes('Could not locate the bindings file') ||
    message.includes('NODE_MODULE_VERSION') ||
    /\.node\b/.test(message)
  );
}

// ---------------------------------------------------------------- node:sqlite

interface NodeStatementSync {
  run(...params: SqlParam[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlParam[]): SqlRow | undefined;
  all(...params: SqlParam[]): SqlRow[];
  setReadBigInts(enabled: boolean): void;
}
interface NodeDatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): NodeStatementSync;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string) => NodeDatabaseSync;
}

let nodeSqlite: NodeSqliteModule | null | undefined;

/**
 * `node:sqlite`, or `undefined` on a Node without it. Loaded with
 * `process.getBuiltinModule`, so nothing breaks on Node 20. Node 22 warns
 * "SQLite is an experimental feature" once on load; that one warning (and no
 * other) is dropped while loading.
 */
function loadNodeSqlite(): NodeSqliteModule | undefined {
  if (nodeSqlite !== undefined) return nodeSqlite ?? undefined;
  const getBuiltinModule = (
    process as { getBuiltinModule?: (id: string) => NodeSqliteModule | undefined }
  ).getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') {
    nodeSqlite = null;
    return undefined;
  }
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string })?.type;
    const name = typeof warning === 'string' ? type : warning.name;
    if (name === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) {
      return;
    }
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const module = getBuiltinModule.call(process, 'node:sqlite');
    nodeSqlite = typeof module?.DatabaseSync === 'function' ? module : null;
  } catch {
    nodeSqlite = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite ?? undefined;
}

function openNodeSqlite(path: string): SqliteDatabase {
  const sqlite = loadNodeSqlite();
  if (!sqlite) throw sqliteLoadError(undefined, { driver: 'node:sqlite', forced: true });
  const db = new sqlite.DatabaseSync(path);
  return new Database('node:sqlite', {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const statement = db.prepare(sql);
      // Integers come back as bigints and are turned into numbers here, as
      // better-sqlite3 does (lossy beyond 2^53 rather than a RangeError), and
      // rows become plain objects (node:sqlite's have a null prototype).
      statement.setReadBigInts(true);
      return {
        run(...params) {
          const result = statement.run(...params);
          return {
            changes: Number(result.changes),
            lastInsertRowid: Number(result.lastInsertRowid),
          };
        },
        get(...params) {
          const row = statement.get(...params);
          return row === undefined ? undefined : plainRow(row);
        },
        all(...params) {
          return statement.all(...params).map(plainRow);
        },
      };
    },
    close: () => db.close(),
  });
}

function plainRow(row: SqlRow): SqlRow {
  const plain: SqlRow = {};
  for (const key in row) {
    const value = row[key];
    plain[key] = typeof value === 'bigint' ? Number(value) : value;
  }
  return plain;
}

// ------------------------------------------------------------- better-sqlite3

interface BetterSqlite3Database {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement & { reader: boolean };
  close(): unknown;
}

function openBetterSqlite3(path: string, forced: boolean): SqliteDatabase {
  const require = createRequire(import.meta.url);
  let Database3: new (path: string) => BetterSqlite3Database;
  try {
    Database3 = require('better-sqlite3');
  } catch (error) {
    throw sqliteLoadError(error, { driver: 'better-sqlite3', forced });
  }
  let db: BetterSqlite3Database;
  try {
    // The native module is loaded by the first `new Database()`.
    db = new Database3(path);
  } catch (error) {
    if (isNativeLoadFailure(error)) {
      throw sqliteLoadError(error, { driver: 'better-sqlite3', forced });
    }
    throw error;
  }
  return new Database('better-sqlite3', {
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        run: (...params) => {
          const result = statement.run(...params);
          return {
            changes: Number(result.changes),
            lastInsertRowid: Number(result.lastInsertRowid),
          };
        },
        get: (...params) => statement.get(...params),
        all: (...params) => statement.all(...params),
      };
    },
    close: () => void db.close(),
  });
}

// ------------------------------------------------------------------- shared

interface RawDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

class Database implements SqliteDatabase {
  open = true;
  private depth = 0;

  constructor(
    readonly driver: SqliteDriverName,
    private readonly raw: RawDatabase,
  ) {}

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  prepare(sql: string): SqlStatement {
    return this.raw.prepare(sql);
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      const savepoint = this.depth > 0 ? `x_inbox_tx_${this.depth}` : undefined;
      this.raw.exec(savepoint ? `SAVEPOINT ${savepoint}` : 'BEGIN');
      this.depth++;
      let result: R;
      try {
        result = fn(...args);
        this.raw.exec(savepoint ? `RELEASE ${savepoint}` : 'COMMIT');
      } catch (error) {
        try {
          this.raw.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
        } catch {
          // SQLite may have rolled back already (e.g. SQLITE_FULL); the first error matters.
        }
        throw error;
      } finally {
        this.depth--;
      }
      return result;
    };
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.raw.close();
  }
}
