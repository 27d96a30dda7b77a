// Starts one benchmark server as a fresh process on the server CPU and talks to it over IPC.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCpu, SERVER_CPU } from './cpus.mjs';

const serversDir = fileURLToPath(new URL('../servers/', import.meta.url));

/**
 * The server file and platform of a benchmark framework (`nest-fastify` is Nest on Fastify,
 * `nest-graphql` Nest's GraphQL module, `nest-gateway` a socket.io gateway).
 */
const SERVER_FILES = {
  'nest-fastify': ['nest', 'fastify'],
  'nest-graphql': ['nestGraphql'],
  'nest-gateway': ['nestGateway'],
};

/**
 * Starts `servers/<framework>.mjs` as `variant` (bare | als | x | sentry | sentry+x | otel |
 * otel+x) in `mode` (hello | error), reporting to `dsn`, on the Node binary `node` (this
 * process's by default). Resolves to `{ url, request(cmd), stop() }` once it listens.
 */
export function startServer({
  framework,
  variant,
  mode,
  dsn,
  extraArgs = [],
  node = process.execPath,
}) {
  const [file, platform = ''] = SERVER_FILES[framework] ?? [framework];
  const args = ['--expose-gc', ...extraArgs];
  if (variant.startsWith('sentry')) args.push('--import', `${serversDir}sentryInit.mjs`);
  if (variant.startsWith('otel')) args.push('--import', `${serversDir}otelInit.mjs`);
  args.push(`${serversDir}${file}.mjs`);
  const [cmd, argv] = onCpu(SERVER_CPU, node, args);
  const child = spawn(cmd, argv, {
    cwd: serversDir,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      BENCH_VARIANT: variant,
      BENCH_MODE: mode,
      BENCH_PLATFORM: platform,
      BENCH_DSN: dsn,
      BENCH_SENTRY_PACKAGE: file.startsWith('nest') ? '@sentry/nestjs' : '@sentry/node',
    },
  });
  const waiters = new Map();
  child.on('message', (message) => {
    const waiter = waiters.get(message?.cmd);
    if (waiter) {
      waiters.delete(message.cmd);
      waiter(message);
    }
  });
  const request = (cmd, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${framework}/${variant}: no ${cmd} answer`)),
        timeoutMs,
      );
      waiters.set(cmd, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      if (cmd !== 'ready') child.send({ cmd });
    });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return request('ready', 60_000).then(
    ({ port }) => ({ url: `http://127.0.0.1:${port}/`, request, stop, pid: child.pid }),
    async (error) => {
      await stop();
      throw error;
    },
  );
}
