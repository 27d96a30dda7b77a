// Inbox ingest: envelopes like the SDK's (a unique event id each, 1,000 users, 50 issues) POSTed
// by wrk as fast as the inbox stores them; events/s, p99 ingest latency, database bytes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCpu, SERVER_CPU } from './lib/cpus.mjs';
import { runLoad } from './lib/load.mjs';

const serversDir = fileURLToPath(new URL('./servers/', import.meta.url));

const event = {
  event_id: '{ID}',
  timestamp: 1_800_000_000,
  platform: 'node',
  level: 'error',
  release: 'bench@1',
  environment: 'production',
  server_name: 'bench-host',
  exception: {
    values: [
      {
        type: 'Error{TYPE}',
        value: 'boom',
        mechanism: { type: 'koa', handled: false },
        stacktrace: {
          frames: Array.from({ length: 10 }, (_, i) => ({
            filename: `/app/src/module${i}.js`,
            function: `handler${i}`,
            lineno: 10 + i,
            colno: 5,
            in_app: i > 4,
          })),
        },
      },
    ],
  },
  user: {
    id: 'u{USER}',
    username: 'user{USER}',
    email: 'user{USER}@example.com',
    ip_address: '8.8.8.8',
  },
  request: {
    method: 'GET',
    url: 'http://127.0.0.1:3000/boom',
    headers: { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*' },
  },
  tags: { route: '/boom' },
  sdk: { name: 'x.javascript.koa', version: '0.1.0', settings: { infer_ip: 'never' } },
};

const envelope = [
  JSON.stringify({ event_id: '{ID}', dsn: 'http://xinboxdevkey@127.0.0.1/1' }),
  JSON.stringify({ type: 'event' }),
  JSON.stringify(event),
].join('\n');

/** The wrk script: one POST per request, with its own event id, user (of 1,000) and issue (of 50). */
function script(prefix) {
  return `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-sentry-envelope"
local template = [==[${envelope}]==]
local n = 0
request = function()
  n = n + 1
  local body = template:gsub("{ID}", "${prefix}" .. string.format("%08x", n))
  body = body:gsub("{USER}", tostring(n % 1000)):gsub("{TYPE}", tostring(n % 50))
  return wrk.format(nil, nil, nil, body)
end
`;
}

/** One trial on a fresh database: warm-up, measured run, then the database size after close. */
export async function inboxTrial({ generator, warmSeconds, seconds, round }) {
  const dir = mkdtempSync(join(tmpdir(), 'x-bench-inbox-'));
  const dbPath = join(dir, 'inbox.db');
  const [cmd, argv] = onCpu(SERVER_CPU, process.execPath, [
    ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
    `${serversDir}inbox.mjs`,
  ]);
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_DB: dbPath },
  });
  const next = (cmd) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inbox: no ${cmd}`)), 60_000);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  try {
    const { port } = await next('ready');
    const url = `http://127.0.0.1:${port}/api/1/envelope/`;
    const prefix = `${round.toString(16).padStart(8, '0')}${'0'.repeat(15)}`;
    const warm = await runLoad(generator, {
      url,
      seconds: warmSeconds,
      connections: 10,
      script: script(`${prefix}0`),
    });
    const result = await runLoad(generator, {
      url,
      seconds,
      connections: 10,
      script: script(`${prefix}1`),
    });
    if (result.non2xx > 0) throw new Error(`inbox: ${result.non2xx} envelopes refused`);
    child.send({ cmd: 'close' });
    await next('close');
    const stored = warm.requests + result.requests;
    const bytes = statSync(dbPath).size;
    return {
      eventsPerSecond: result.rps,
      p99: result.p99,
      p50: result.p50,
      stored,
      bytesPer10k: (bytes / stored) * 10_000,
    };
  } finally {
    if (process.env.BENCH_PROF) await new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
