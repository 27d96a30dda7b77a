// The load generator: wrk (Debian's package; installed with apt when missing and we are root),
// else autocannon from npm. Every run is bounded in time and targets 127.0.0.1 only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOAD_CPU, onCpu } from './cpus.mjs';
import { parseDurationMs } from './stats.mjs';

const require = createRequire(import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'x-bench-load-'));

function hasWrk() {
  return spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout?.startsWith('wrk') ?? false;
}

/** Picks the load generator, installing wrk through apt when possible. */
export function chooseLoadGenerator({ log = console.log } = {}) {
  if (process.env.BENCH_LOADGEN !== 'autocannon') {
    if (!hasWrk() && process.getuid?.() === 0 && spawnSync('which', ['apt-get']).status === 0) {
      log('wrk not found: apt-get install -y wrk');
      let install = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
      if (install.status !== 0) {
        spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
        install = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
      }
    }
    if (hasWrk()) {
      const version = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split(/\s/)[1];
      return { name: 'wrk', version };
    }
  }
  const { version } = require('autocannon/package.json');
  return { name: 'autocannon', version };
}

function run(command, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = onCpu(LOAD_CPU, command, args, { nice: 10 });
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited ${code}: ${err || out}`));
    });
  });
}

/**
 * Runs one load: `seconds` long (or until `requests` responses, capped at `seconds`), with
 * `connections` keep-alive connections. Returns `{ rps, p50, p99, requests, non2xx }`
 * (latencies in ms). `method` and `body` make every request e.g. a POST with that body; `script`
 * is an optional wrk Lua body (wrk only); `rate` caps the load at that many requests per second
 * overall (autocannon).
 */
export async function runLoad(
  generator,
  { url, seconds, connections = 50, headers = {}, method, body, requests, script, rate },
) {
  // wrk can neither stop after a number of requests (it always runs its full duration) nor hold
  // a steady rate: autocannon can.
  if (generator.name === 'wrk' && !requests && !rate)
    return runWrk({ url, seconds, connections, headers, method, body, script });
  return runAutocannon({ url, seconds, connections, headers, method, body, requests, rate });
}

/** wrk sets a request's method and body only from Lua; a long bracket needs no escaping. */
function wrkRequestLua(method, body) {
  const lines = [];
  if (method) lines.push(`wrk.method = "${method}"`);
  if (body !== undefined) {
    if (body.includes(']==]')) throw new Error('wrk body: unsupported "]==]"');
    lines.push(`wrk.body = [==[${body}]==]`);
  }
  return lines.join('\n');
}

async function runWrk({ url, seconds, connections, headers, method, body, script }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const lua = [wrkRequestLua(method, body), script ?? ''].filter(Boolean).join('\n');
  if (lua) {
    const file = join(scratch, `script-${process.hrtime.bigint()}.lua`);
    writeFileSync(file, lua);
    args.push('-s', file);
  }
  const out = await run('wrk', [...args, url], (seconds + 30) * 1000);
  const latency = (pct) => {
    const match = new RegExp(`^\\s+${pct}%\\s+(\\S+)`, 'm').exec(out);
    return match ? parseDurationMs(match[1]) : Number.NaN;
  };
  const total = /(\d+) requests in ([\d.]+)(\w+)/.exec(out);
  const elapsedMs = total ? parseDurationMs(`${total[2]}${total[3]}`) : Number.NaN;
  const count = total ? Number(total[1]) : 0;
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: count / (elapsedMs / 1000),
    p50: latency(50),
    p99: latency(99),
    requests: count,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

async function runAutocannon({ url, seconds, connections, headers, method, body, requests, rate }) {
  const bin = require.resolve('autocannon/autocannon.js');
  const args = [bin, '-j', '-c', String(connections), '-d', String(seconds), '-t', '10'];
  if (method) args.push('-m', method);
  if (body !== undefined) args.push('-b', body);
  if (requests) args.push('-a', String(requests));
  if (rate) args.push('-R', String(Math.max(1, Math.round(rate))));
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  const out = await run(process.execPath, [...args, url], (seconds + 30) * 1000);
  const result = JSON.parse(out);
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx ?? 0,
    socketErrors: result.errors ?? 0,
  };
}
