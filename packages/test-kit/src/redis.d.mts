/** Where redis-server usually lives, tried after `REDIS_SERVER_PATH` and the `PATH`. */
export declare const REDIS_CANDIDATES: readonly string[];
/** The one line that tells a person how to get Redis for the tests. */
export declare const REDIS_HINT: string;

/** A redis-server executable, or why there is none. */
export type RedisLookup = { path: string } | { path: undefined; reason: string };

/** `REDIS_SERVER_PATH` when set (it must exist), else `redis-server` on the `PATH`, else a candidate. */
export declare function findRedis(env?: NodeJS.ProcessEnv): RedisLookup;
/** Finds redis-server, installing Debian's package where that needs no prompt (root + apt). */
export declare function ensureRedis(options?: { log?: (line: string) => void }): RedisLookup;
/** A started redis-server. */
export interface StartedRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Its working directory (where `appendonly` writes). */
  dir: string;
  /** Ends the server (SIGTERM: Redis's own shutdown) and keeps its directory. */
  shutdown: () => Promise<void>;
  /** Ends the server if it runs and starts it again on the same port, directory and arguments. */
  restart: () => Promise<void>;
  /** Ends the server and deletes its directory. */
  stop: () => Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** redis-server arguments after the defaults (`--save '' --appendonly no`), which they override. */
  args?: string[];
  /** The port to listen on; a free one when unset. */
  port?: number;
}

/** A throw-away redis-server on 127.0.0.1 in a temporary directory; `stop()` ends it and deletes the directory. */
export declare function startRedis(options?: StartRedisOptions): Promise<StartedRedis>;
