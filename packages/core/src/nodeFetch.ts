import type { Pool } from 'undici';

/** Connections per backend origin (the transport's concurrency bounds what is used). */
const MAX_CONNECTIONS = 64;
const MAX_CACHED_URLS = 64;

// undici is loaded with the first request, not with @x: an app that never sends through @x (Sentry
// mode, or no DSN) does not carry it (~3.6 MB of heap, which every major GC marks again).
let PoolClass: typeof Pool | undefined;

// One keep-alive pool per origin. undici unrefs idle sockets, so they never hold a process.
const pools = new Map<string, Pool>();
// The transport posts to one URL: parse it once.
const targets = new Map<string, { pool: Pool; path: string }>();

/**
 * The part of `fetch` the transport uses, on undici's `Pool.request` with keep-alive
 * connections per origin. The node entry installs it as the transport's default: it costs about
 * half the CPU per envelope of a `node:http` request and a small fraction of undici's `fetch`,
 * which on a busy server is what decides whether delivery keeps up (see BENCHMARKS.md, error
 * path). Transports read only an answer's status and headers, so its body is discarded as it
 * arrives (undici's `dump`, ~70k instructions less per envelope than reading it into an
 * `ArrayBuffer`): `arrayBuffer()` resolves empty. The connection is free again once the promise
 * resolves.
 */
export async function nodeHttpFetch(url: string, init: RequestInit = {}): Promise<Response> {
  PoolClass ??= (await import('undici')).Pool;
  const { pool, path } = targetOf(url, PoolClass);
  const answer = await pool.request({
    path,
    method: (init.method ?? 'GET') as 'GET',
    headers: (init.headers ?? {}) as Record<string, string>,
    body: (init.body ?? null) as string | Uint8Array | null,
    ...(init.signal ? { signal: init.signal } : {}),
  });
  await answer.body.dump();
  return responseOf(answer.statusCode, answer.headers);
}

function targetOf(url: string, PoolCtor: typeof Pool): { pool: Pool; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    let pool = pools.get(parsed.origin);
    if (!pool) {
      pool = new PoolCtor(parsed.origin, { connections: MAX_CONNECTIONS });
      pools.set(parsed.origin, pool);
    }
    target = { pool, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= MAX_CACHED_URLS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function responseOf(status: number, raw: Record<string, string | string[] | undefined>): Response {
  const headers = {
    get(name: string): string | null {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : String(value);
    },
  };
  const response = {
    status,
    ok: status >= 200 && status < 300,
    headers,
    arrayBuffer: async () => new ArrayBuffer(0),
  };
  return response as unknown as Response;
}
