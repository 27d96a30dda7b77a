// Request path and error path: every framework's variants side by side, interleaved
// (round 1: bare, x, sentry; round 2: bare, x, sentry; …), a fresh server process per trial.
import { runLoad } from './lib/load.mjs';
import { startServer } from './lib/server.mjs';

/**
 * The variants measured per framework; the first is the baseline, and `aa` — the bare server
 * again, last in every round — is the A/A row: how far the machine's noise alone moves a variant.
 * The floors: `als` (Koa, request path only) is the floor of any per-request isolation, bare Koa
 * plus one `AsyncLocalStorage.run` per request; `floor` (error path only) is the least any SDK
 * reporting errors with their user must do (servers/errorFloor.mjs). `otel` / `otel+x` (request
 * path only) are Koa traced by OpenTelemetry, without and with @x/koa.
 */
export const FRAMEWORKS = {
  koa: ['bare', 'als', 'floor', 'x', 'sentry', 'otel', 'otel+x', 'aa'],
  nest: ['bare', 'floor', 'x', 'sentry', 'aa'],
  'nest-fastify': ['bare', 'floor', 'x', 'sentry', 'aa'],
  'nest-graphql': ['bare', 'x', 'sentry', 'aa'],
  next: ['bare', 'x', 'aa'],
};

/** The floor variant of `framework` on `mode`'s path, if it has one. */
export const floorOf = (framework, mode) => {
  const floor = mode === 'hello' ? 'als' : 'floor';
  return FRAMEWORKS[framework].includes(floor) ? floor : undefined;
};

/** The variants of `framework` measured in `mode` (each control only on its own path). */
export const variantsOf = (framework, mode) =>
  FRAMEWORKS[framework].filter((variant) =>
    mode === 'hello' ? variant !== 'floor' : variant !== 'als' && !variant.startsWith('otel'),
  );

/** The authentication every load sends (the HTTP frameworks' request: a GET of `/`). */
export const AUTH_HEADERS = { Authorization: 'Bearer token-7' };

/** The GraphQL framework's request: one named query, POSTed as JSON. */
const GRAPHQL_BODY = JSON.stringify({ query: 'query Hello { hello }' });

/** What the load sends to `framework`'s server at `baseUrl` (`url`, `headers`, `method`, `body`). */
export function requestOf(framework, baseUrl) {
  if (framework !== 'nest-graphql') return { url: baseUrl, headers: AUTH_HEADERS };
  return {
    url: `${baseUrl}graphql`,
    method: 'POST',
    headers: { ...AUTH_HEADERS, 'Content-Type': 'application/json' },
    body: GRAPHQL_BODY,
  };
}

/**
 * The status every answer must have: 200, and on the error path 500 — except GraphQL's, where a
 * resolver's error is a 200 whose body has `errors`. Status alone cannot tell that from success,
 * so one request before the load checks the body.
 */
async function expectedStatus(framework, mode, request) {
  if (framework !== 'nest-graphql') return mode === 'error' ? 500 : 200;
  const { url, ...init } = request;
  const res = await fetch(url, init);
  const answer = await res.json().catch(() => ({}));
  const ok =
    res.status === 200 &&
    (mode === 'error' ? answer.errors?.length > 0 : answer.data?.hello === 'user7');
  if (!ok)
    throw new Error(`${framework}: unexpected answer ${res.status} ${JSON.stringify(answer)}`);
  return 200;
}

/**
 * One trial: start, warm up, measure, (error path) flush and count what the sink received —
 * with `countUsers`, also the events that carry a user (`withUser`).
 */
export async function trial({
  generator,
  sink,
  framework,
  variant,
  mode,
  warmSeconds,
  seconds,
  node,
  countUsers = false,
}) {
  sink.reset();
  sink.countUsers(countUsers);
  const server = await startServer({ framework, variant, mode, dsn: sink.dsn, node });
  try {
    const load = { ...requestOf(framework, server.url), connections: 50 };
    const expected = await expectedStatus(framework, mode, load);
    await runLoad(generator, { ...load, seconds: warmSeconds });
    const cpuBefore = await server.request('cpu');
    const result = await runLoad(generator, { ...load, seconds });
    const cpuAfter = await server.request('cpu');
    // CPU time per request: what the server spent, whatever else ran on the machine.
    result.cpuUs = (cpuAfter.us - cpuBefore.us) / result.requests;
    if (result.non2xx !== (expected === 200 ? 0 : result.requests))
      throw new Error(
        `${framework}/${variant}: expected only ${expected}s, ${result.non2xx} of ${result.requests} non-2xx`,
      );
    if (mode === 'hello') result.rss = (await server.request('mem')).rss;
    if (mode === 'error' && variant !== 'bare' && variant !== 'aa') {
      const started = performance.now();
      const { thrown, ok } = await server.request('flush', 60_000);
      result.thrown = thrown;
      result.received = sink.events;
      if (countUsers) result.withUser = sink.withUser;
      result.dropped = sink.dropped;
      result.flushMs = performance.now() - started;
      result.flushed = ok;
    }
    return result;
  } finally {
    await server.stop();
  }
}

/**
 * Runs `rounds` interleaved rounds of both paths of `frameworks` (by default all). Returns one row
 * per trial: `{ mode, framework, variant, round, rps, p99, …, rpsRatio, p99Ratio }` (ratios to the
 * same round's bare trial).
 */
export async function runPaths({
  generator,
  sink,
  rounds,
  warmSeconds,
  seconds,
  log,
  node,
  nodeLabel = '',
  frameworks = Object.keys(FRAMEWORKS),
}) {
  const rows = [];
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['hello', 'error']) {
      for (const framework of frameworks) {
        let base;
        for (const variant of variantsOf(framework, mode)) {
          const result = await trial({
            generator,
            sink,
            framework,
            variant,
            mode,
            warmSeconds,
            seconds,
            node,
          });
          base ??= result;
          const row = {
            mode,
            framework,
            variant,
            round,
            ...result,
            rpsRatio: result.rps / base.rps,
            p99Ratio: result.p99 / base.p99,
            cpuRatio: base.cpuUs / result.cpuUs,
            rssRatio: result.rss / base.rss,
          };
          rows.push(row);
          const events = row.thrown === undefined ? '' : `, events ${row.received}/${row.thrown}`;
          log(
            `  ${nodeLabel}round ${round} ${mode.padEnd(5)} ${`${framework}/${variant}`.padEnd(19)} ${row.rps.toFixed(0).padStart(6)} req/s  p99 ${row.p99.toFixed(2)} ms  ×${row.rpsRatio.toFixed(2)}  ${row.cpuUs.toFixed(1)} µs CPU/req${events}`,
          );
        }
      }
    }
  }
  return rows;
}
