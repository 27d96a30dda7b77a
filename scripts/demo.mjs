#!/usr/bin/env node
// `npm run demo [-- --traffic] [-- --no-install]`: on a fresh clone, installs, builds, starts the
// inbox and every sample app (each app whose package.json has an "x-demo" field), prints their
// URLs and the DSN, and with --traffic logs in as the demo users and triggers errors.
// Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findRedis } from '../packages/test-kit/src/redis.mjs';
import { pnpmCommand, root } from './lib/pnpm.mjs';

const args = new Set(process.argv.slice(2));
const INBOX_PORT = Number(process.env.INBOX_PORT ?? 8969);
const pnpm = pnpmCommand();

function step(name, argv) {
  console.log(`\n▶ ${name}`);
  const { status } = spawnSync(pnpm[0], [...pnpm.slice(1), ...argv], {
    cwd: root,
    stdio: 'inherit',
  });
  if (status !== 0) {
    console.error(`demo: ${name} failed`);
    process.exit(status ?? 1);
  }
}

if (!args.has('--no-install'))
  step('install', ['install', '--frozen-lockfile', '--prefer-offline']);
step('build', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);

const apps = readdirSync(join(root, 'apps'))
  .map((dir) => ({ dir, file: join(root, 'apps', dir, 'package.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ dir, file }) => ({ dir, pkg: JSON.parse(readFileSync(file, 'utf8')) }))
  .filter(({ pkg }) => pkg['x-demo'])
  .map(({ dir, pkg }) => ({ name: pkg.name, dir, ...pkg['x-demo'] }));

const children = [];
/** The redis-server the demo started, if any: stopped after the apps. */
let redisChild;
function start(name, argv, env, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let seen = '';
    const prefix = (line) => `[${name}] ${line}`;
    const onLine = (chunk, stream) => {
      const text = chunk.toString();
      seen += text;
      for (const line of text.split('\n').filter(Boolean)) stream.write(`${prefix(line)}\n`);
      const match = ready.exec(seen);
      if (match) resolve(match);
    };
    child.stdout.on('data', (c) => onLine(c, process.stdout));
    child.stderr.on('data', (c) => onLine(c, process.stderr));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

/** Stops the apps and the inbox, then Redis (an app closing its worker still talks to it). */
async function stopAll() {
  const running = (child) => child.exitCode === null && child.signalCode === null;
  const last = redisChild ? [redisChild] : [];
  const first = children.filter((child) => !last.includes(child) && running(child));
  await Promise.all(
    first.map(
      (child) =>
        new Promise((done) => {
          child.once('exit', done);
          child.kill('SIGTERM');
          setTimeout(done, 5000).unref();
        }),
    ),
  );
  for (const child of last) if (running(child)) child.kill('SIGTERM');
}
process.once('SIGINT', () => {
  console.log('\nstopping…');
  void stopAll().then(() => process.exit(0));
});
process.once('SIGTERM', () => void stopAll());

mkdirSync(join(root, '.x'), { recursive: true });
const inbox = await start(
  'inbox',
  [
    join(root, 'packages/inbox/dist/cli.js'),
    '--port',
    String(INBOX_PORT),
    '--db',
    join(root, '.x/inbox.db'),
  ],
  {},
  /DSN: (\S+)/,
);
const dsn = inbox[1];
const redisUrl = await redisForJobs();
const urls = [];
for (const app of apps) {
  const match = await start(
    app.name,
    [join(root, 'apps', app.dir, app.entry)],
    { X_DSN: dsn, PORT: String(app.port), REDIS_URL: redisUrl, ...(app.env ?? {}) },
    /listening on (http:\/\/\S+)/,
  );
  urls.push({ name: app.name, url: match[1] });
}

console.log('\n──────────────────────────────────────────────');
console.log(`inbox     http://127.0.0.1:${INBOX_PORT}   (API: /api/issues, /api/events)`);
console.log(`DSN       ${dsn}`);
if (redisUrl !== 'off')
  console.log(`jobs      ${redisUrl}   (POST /jobs/boom on koa-demo, nest-demo)`);
for (const { name, url } of urls) console.log(`${name.padEnd(9)} ${url}`);
console.log('demo users: alice / alice-demo-pass, bob / bob-demo-pass, carol / carol-demo-pass');
console.log('Ctrl-C stops everything.');
console.log('──────────────────────────────────────────────\n');

if (args.has('--traffic')) {
  const accounts = JSON.parse(readFileSync(join(root, 'apps/demo-kit/accounts.json'), 'utf8'));
  for (const { name, url } of urls) {
    for (const account of accounts) {
      const res = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: account.username, password: account.password }),
      });
      const { token } = await res.json();
      const headers = { authorization: `Bearer ${token}` };
      await fetch(`${url}/boom`, { headers });
      await fetch(`${url}/boom/async?delay=20`, { headers });
      await fetch(`${url}/report`, { method: 'POST', headers });
      if (redisUrl !== 'off') await fetch(`${url}/jobs/boom`, { method: 'POST', headers });
    }
    await fetch(`${url}/boom`); // an anonymous visitor
    console.log(`traffic: ${name}: 3 users logged in, errors and reports sent`);
  }
  if (redisUrl !== 'off') await new Promise((r) => setTimeout(r, 1000)); // the jobs fail meanwhile
  const issues = await (await fetch(`http://127.0.0.1:${INBOX_PORT}/api/issues`)).json();
  console.log(`inbox now has ${issues.data.length} issue(s):`);
  for (const issue of issues.data)
    console.log(`  ${issue.title} — ${issue.event_count} events, ${issue.user_count} users`);
}

/**
 * The Redis of the apps' background jobs: `REDIS_URL` when set; else one already listening on
 * 127.0.0.1:6379; else a redis-server started here (stopped with the demo); else `off`, said in
 * one line (the rest of the demo works without it).
 */
async function redisForJobs() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const url = 'redis://127.0.0.1:6379';
  if (await answers(6379)) return url;
  const found = findRedis();
  if (!found.path) {
    console.log(
      `jobs: off — ${found.reason}; install redis-server (Debian: apt-get install redis-server) or set REDIS_URL`,
    );
    return 'off';
  }
  const args = ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  // Its own process group: Ctrl-C reaches the apps first, and Redis stops after them.
  const redis = spawn(found.path, args, { cwd: root, stdio: 'ignore', detached: true });
  children.push(redis);
  redisChild = redis;
  for (let waited = 0; waited < 5000; waited += 50) {
    if (await answers(6379)) return url;
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`jobs: off — ${found.path} did not start on port 6379`);
  return 'off';
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function answers(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
