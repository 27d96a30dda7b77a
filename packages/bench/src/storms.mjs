// Storms: every request throws, at a steady rate of half of @x's saturated error-path throughput
// (measured in the same run): every thrown error must reach the sink after a flush.
import { runLoad } from './lib/load.mjs';
import { startServer } from './lib/server.mjs';
import { median } from './lib/stats.mjs';
import { AUTH_HEADERS } from './paths.mjs';

/**
 * One trial per (round, framework): `rate` = half the median req/s of `framework`'s @x error path
 * in `paths`. Returns `{ framework, round, rate, rps, thrown, received }` rows.
 */
export async function runStorms({ generator, sink, paths, frameworks, rounds, seconds, log }) {
  const rows = [];
  for (let round = 1; round <= rounds; round++) {
    for (const framework of frameworks) {
      const saturated = median(
        paths
          .filter((r) => r.mode === 'error' && r.framework === framework && r.variant === 'x')
          .map((r) => r.rps),
      );
      const rate = saturated / 2;
      sink.reset();
      const server = await startServer({ framework, variant: 'x', mode: 'error', dsn: sink.dsn });
      try {
        const load = { url: server.url, connections: 10, headers: AUTH_HEADERS, seconds, rate };
        const result = await runLoad(generator, load);
        const { thrown, ok } = await server.request('flush', 60_000);
        const row = { framework, round, rate, rps: result.rps, thrown, received: sink.events, ok };
        rows.push(row);
        log(
          `  round ${round} storm ${framework}/x at ${rate.toFixed(0)} req/s: ${row.received}/${row.thrown} events received`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  return rows;
}
