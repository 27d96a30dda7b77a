// Micro-benchmark (not a test): the cost of captureException → envelope bytes
// queued in the transport, in-process, with a user resolver and request data
// on the scope as an adapter would set them. Run: pnpm bench (from the root).
import { captureException, flush, init, withIsolationScope } from '../dist/node.js';

const N = Number(process.env.BENCH_N ?? 20_000);
let bytes = 0;
let envelopes = 0;
init({
  dsn: 'http://bench@127.0.0.1:9/1',
  sendClientReports: false,
  maxQueueSize: N + 10,
  transport: () => ({
    send(envelope) {
      bytes += envelope.body.length;
      envelopes++;
    },
    flush: async () => true,
  }),
});

async function round(n) {
  const error = new Error('bench');
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    withIsolationScope((scope) => {
      scope.setUserResolver(() => ({
        id: `u${i % 100}`,
        username: 'bench',
        email: 'b@example.com',
      }));
      scope.setRequest({
        method: 'GET',
        url: '/x?y=1',
        headers: { 'user-agent': 'bench' },
        clientIp: () => '127.0.0.1',
      });
      captureException(error);
    });
  }
  const syncNs = Number(process.hrtime.bigint() - started);
  await flush(60_000);
  const totalNs = Number(process.hrtime.bigint() - started);
  return { syncUs: syncNs / n / 1000, totalUs: totalNs / n / 1000 };
}

await round(2000); // warm-up
const rounds = [];
for (let r = 0; r < 5; r++) rounds.push(await round(N));
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sync = median(rounds.map((r) => r.syncUs));
const total = median(rounds.map((r) => r.totalUs));
console.log(
  JSON.stringify({
    bench: '@x/core captureException → envelope queued',
    events: N,
    rounds: rounds.length,
    median_us_on_caller_path: Number(sync.toFixed(2)),
    median_us_until_queued: Number(total.toFixed(2)),
    bytes_per_event: Math.round(bytes / envelopes),
    node: process.version,
  }),
);
