// Memory of each @x adapter's server: RSS and heap (after a full GC) after a first and after a
// total count of requests — the hello path with the sink up, and the error path with the sink down
// (every event queued, retried, dropped at the queue's bound).
import { runLoad } from './lib/load.mjs';
import { startServer } from './lib/server.mjs';
import { deadDsn } from './lib/sink.mjs';
import { AUTH_HEADERS } from './paths.mjs';

/** Runs the memory scenarios (`counts`: `[first, total]` per scenario); one row per (framework, scenario). */
export async function runMemory({ generator, sink, frameworks, counts, log }) {
  const rows = [];
  const down = await deadDsn();
  for (const scenario of ['hello', 'sink down']) {
    for (const framework of frameworks) {
      const [first, total] = counts[scenario];
      const mode = scenario === 'hello' ? 'hello' : 'error';
      const dsn = scenario === 'hello' ? sink.dsn : down;
      const server = await startServer({ framework, variant: 'x', mode, dsn });
      try {
        const load = { url: server.url, connections: 50, headers: AUTH_HEADERS, seconds: 300 };
        await runLoad(generator, { ...load, requests: first });
        const at1 = await server.request('mem');
        await runLoad(generator, { ...load, requests: total - first });
        const at2 = await server.request('mem');
        const row = {
          framework,
          scenario,
          first,
          total,
          rss1: at1.rss,
          heap1: at1.heapUsed,
          rss2: at2.rss,
          heap2: at2.heapUsed,
          rssGrowth: at2.rss / at1.rss - 1,
          heapGrowth: at2.heapUsed / at1.heapUsed - 1,
        };
        rows.push(row);
        log(
          `  memory ${framework}/x ${scenario}: rss ${(row.rss1 / 1e6).toFixed(1)} → ${(row.rss2 / 1e6).toFixed(1)} MB, heap ${(row.heap1 / 1e6).toFixed(1)} → ${(row.heap2 / 1e6).toFixed(1)} MB`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  return rows;
}
