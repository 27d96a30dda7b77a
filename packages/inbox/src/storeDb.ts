import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Lru } from '@x/core/internal';
import { migrate } from './schema';
import {
  type OpenSqliteOptions,
  openSqlite,
  type SqliteDatabase,
  type SqlStatement,
} from './sqlite';

/** The open database and its prepared statements: what the store's queries and writes run on. */
export interface StoreDb {
  readonly sqlite: SqliteDatabase;
  /** A prepared statement, compiled once per SQL text. Only the store runs SQL. */
  sql(text: string): SqlStatement;
  /** The statements compiled so far, by SQL text: which queries have run. */
  readonly statements: ReadonlyMap<string, SqlStatement>;
  /** Rows ingest wrote recently (see {@link KnownRows}). */
  readonly known: KnownRows;
}

/**
 * Rows ingest wrote recently, so that the next event of the same issue and user updates them by
 * key instead of through an upsert with `RETURNING`. Only a hint: each update names the whole
 * key it expects (an issue's id, project and hash; an issue user's issue id and user key) and
 * the upsert runs when it changes no row, so an entry gone stale (an erased user, a rolled-back
 * batch) costs one statement and never writes a wrong row.
 */
export interface KnownRows {
  /** Issue ids by `<project id>:<hash>`. */
  issues: Lru<string, number>;
  /** `<issue id>:<user key>` of the `issue_users` rows. */
  issueUsers: Lru<string, true>;
}

/** A result row, column name to value. */
export type Row = Record<string, unknown>;

/** A JSON column: the parsed value, `null` for SQL NULL. */
export const json = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : null);

/** An event field for a TEXT column: the string, or `null` (SQL NULL) for anything else. */
export const textOrNull = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * Opens (creating its folder when needed) the database at `path` and brings its schema up to
 * date; `:memory:` works too. A failed migration closes the database before rethrowing, so the
 * file is not left locked.
 */
export function openStoreDb(path: string, options: OpenSqliteOptions = {}): StoreDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = openSqlite(path, options);
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const statements = new Map<string, SqlStatement>();
  return {
    sqlite: db,
    statements,
    known: { issues: new Lru(10_000), issueUsers: new Lru(50_000) },
    sql(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}
