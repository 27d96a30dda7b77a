#!/usr/bin/env node
// A/B of benchmark server variants, for working on a cost (not a report: `pnpm bench` is that).
//   node packages/bench/src/ab.mjs <framework> <rounds> <seconds> <variant>...
//   e.g. node packages/bench/src/ab.mjs nest 3 4 bare x        (MODE=error for the error path)
// Variants run interleaved (A B A B …), each trial a fresh server on the bench's pinned CPU
// after a 2 s warm-up; prints req/s and the server's CPU µs per request (steadier than req/s on
// a shared machine), and for the error path the events received + reported dropped / thrown.
// Runs the servers on this process's Node: use the Node 24 binary from node_modules/.cache/x-node
// (or any other) as the interpreter. NODE_ARGS adds flags to the servers (e.g. `--trace-gc`).
import { pinSelf } from './lib/cpus.mjs';
import { chooseLoadGenerator, runLoad } from './lib/load.mjs';
import { startServer } from './lib/server.mjs';
import { startSink } from './lib/sink.mjs';
import { summarize } from './lib/stats.mjs';
import { requestOf } from './paths.mjs';

const [framework, rounds = '3', seconds = '4', ...variants] = process.argv.slice(2);
if (!framework || variants.length === 0) {
  console.error('usage: ab.mjs <framework> <rounds> <seconds> <variant>...');
  process.exit(2);
}
const mode = process.env.MODE ?? 'hello';
const extraArgs = process.env.NODE_ARGS?.split(' ').filter(Boolean) ?? [];
pinSelf();
const generator = chooseLoadGenerator();
const sink = await startSink();
const results = Object.fromEntries(variants.map((variant) => [variant, []]));
for (let round = 1; round <= Number(rounds); round++) {
  for (const variant of variants) {
    const server = await startServer({ framework, variant, mode, dsn: sink.dsn, extraArgs });
    try {
      sink.reset();
      const load = { ...requestOf(framework, server.url), connections: 50 };
      await runLoad(generator, { ...load, seconds: 2 });
      const before = await server.request('cpu');
      const out = await runLoad(generator, { ...load, seconds: Number(seconds) });
      const cpuUs = ((await server.request('cpu')).us - before.us) / out.requests;
      let events = '';
      if (mode === 'error') {
        const { thrown } = await server.request('flush', 60_000);
        events = `  events ${sink.events} + ${sink.dropped} dropped / ${thrown}`;
      }
      results[variant].push({ rps: out.rps, cpuUs });
      console.log(
        `round ${round} ${variant.padEnd(12)} ${out.rps.toFixed(0).padStart(6)} req/s  ${cpuUs.toFixed(1)} µs CPU/req${events}`,
      );
    } finally {
      await server.stop();
    }
  }
}
const range = ({ median, min, max }, digits) =>
  `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
for (const variant of variants) {
  const rows = results[variant];
  console.log(
    `${variant.padEnd(12)} ${range(summarize(rows.map((r) => r.rps)), 0)} req/s, ${range(summarize(rows.map((r) => r.cpuUs)), 1)} µs CPU/req`,
  );
}
await sink.close();
