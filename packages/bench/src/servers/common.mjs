// What every benchmark server shares: the app's own "auth" (a token → user lookup, as a session
// store would do per request), the error the error path throws, and the control channel the
// runner uses over IPC (ready, flush, memory) so no benchmark route differs between variants.

/** The signed-in users of the benchmark apps, by bearer token. */
export const users = new Map(
  Array.from({ length: 100 }, (_, i) => [
    `token-${i}`,
    { id: `u${i}`, username: `user${i}`, email: `user${i}@example.com` },
  ]),
);

/** The app's own authentication: the user behind an `Authorization: Bearer …` value, or undefined. */
export function authenticate(header) {
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
  return users.get(header.slice(7));
}

/** What the benchmark server is: `VARIANT` (bare | x | sentry), `MODE` (hello | error), `DSN`. */
export const config = {
  variant: process.env.BENCH_VARIANT ?? 'bare',
  mode: process.env.BENCH_MODE ?? 'hello',
  dsn: process.env.BENCH_DSN ?? 'http://benchkey@127.0.0.1:9/1',
};

let thrown = 0;

/** The error of the error path (a fresh one per request, as a real failure would be). */
export function fail() {
  thrown++;
  throw new Error('boom');
}

/**
 * Tells the runner the server listens on `port`, and answers its requests: `flush` (waits for
 * the SDK to deliver what it captured, then reports how many errors were thrown), `cpu` (CPU
 * time used so far, µs) and `mem` (memory after a full GC; the server runs with --expose-gc).
 */
export function ready(port, flush = async () => true) {
  process.on('message', async (message) => {
    if (message?.cmd === 'flush') {
      const ok = await flush().catch(() => false);
      process.send({ cmd: 'flush', thrown, ok });
    } else if (message?.cmd === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cmd: 'cpu', us: user + system });
    } else if (message?.cmd === 'exit') {
      process.exit(0); // lets --cpu-prof write its profile
    } else if (message?.cmd === 'mem') {
      globalThis.gc?.();
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send({ cmd: 'mem', rss, heapUsed });
    }
  });
  process.send?.({ cmd: 'ready', port });
}
