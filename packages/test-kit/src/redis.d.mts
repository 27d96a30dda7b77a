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
/** A throw-away redis-server on a free port of 127.0.0.1; `stop()` ends it and deletes its directory. */
export declare function startRedis(): Promise<{
  url: string;
  port: number;
  stop: () => Promise<void>;
}>;
