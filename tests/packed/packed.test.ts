// The newcomer's path, on every `npm test`: pack every publishable package, install the tarballs
// with npm into one project outside the workspace (no pnpm, no workspace links), write the README
// snippets into it as its source files (plus the glue the READMEs say an app writes itself: a
// login, a main.ts), type-check them with TypeScript 5.9 and 7, then run them — Koa, Nest on
// Express, Nest on Fastify, a Nest app with the README's GraphQL resolver, socket.io gateway and
// microservice caller, Next (`next build` + `next start`) — against the packed inbox, log in for
// real, throw, and read what the inbox stored.
//
// Besides the README path, with the same tarballs: each adapter pins the exact @x/core it was
// packed with; an app whose own @x/core is another version than its adapter's runs on one shared
// carrier and is told so once; and a second Next app signs in with Auth.js v5 (`auth()`), plus
// the getUser mistake v5 invites (getToken without its secret), said once on the console.
//
// So a broken `files`/`exports`/dependency list or a README example that no longer compiles or
// no longer reports the right user fails here. Build first (`npm test` does): it packs `dist`.
//
// TypeScript: the Node part (Koa, Nest, core) with module/moduleResolution nodenext, the Next part
// with what create-next-app sets (moduleResolution bundler, jsx, Next's generated types); both with
// strict, exactOptionalPropertyTypes and skipLibCheck off (fixtures/consumer/**/tsconfig.json).
//
// Keep the temp dirs for a look: X_PACKED_KEEP=1. The npm cache (~/.npm) is kept warm between runs.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { startRedis } from '@x/test-kit/redis';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNode } from '../../scripts/lib/nodeBinaries.mjs';
import { pnpmCommand } from '../../scripts/lib/pnpm.mjs';
import {
  freePort,
  fromRequest,
  InboxReader,
  linesWith,
  poll,
  type RunResult,
  run,
  runOk,
  type Server,
  type StoredEvent,
  startServer,
  stopAllServers,
  tail,
  waitForHttp,
} from './harness';
import { SESSION_COOKIE, signInWithCredentials } from './nextAuth';
import { codeBlocks, importedPackages, installLines, snippets } from './readme';
import { readManifest, repackCoreAs } from './tarball';

const repoRoot = join(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures');

/** The published packages, packed; their READMEs' marked snippets become the consumer's files. */
const PACKAGES = ['core', 'koa', 'nest', 'next', 'bullmq', 'inbox'];
const README_PACKAGES = ['core', 'koa', 'nest', 'next', 'bullmq'];

/** TypeScript 7 installs next to 5.9 under an npm alias; its `tsc` is `typescript7/bin/tsc`. */
const TS7 = '7.0.2';

/**
 * The version the consumer installs for each package a README's install line names (plus the
 * glue's). A README naming a package missing here fails the test: add it.
 */
const VERSIONS: Record<string, string> = {
  koa: '^3.3.0',
  '@sentry/node': '^11.12.0',
  '@sentry/nestjs': '10.75.3',
  '@sentry/nextjs': '^11.11.0',
  bullmq: '^6.7.6',
  ioredis: '^5.11.1',
  '@nestjs/bullmq': '^12.0.0',
  'koa-jwt': '^4.0.4',
  '@types/koa': '^3.0.3',
  '@nestjs/common': '^12.5.1',
  '@nestjs/core': '^12.5.1',
  '@nestjs/config': '^12.0.1',
  '@nestjs/platform-express': '^12.5.1',
  '@nestjs/platform-fastify': '^12.5.0',
  '@nestjs/jwt': '^12.0.2',
  '@nestjs/websockets': '^12.1.1',
  '@nestjs/platform-socket.io': '^12.1.1',
  'socket.io': '^4.8.3',
  '@nestjs/platform-ws': '^12.1.1',
  ws: '^8.22.0',
  '@types/ws': '^8.18.1',
  '@nestjs/microservices': '^12.1.1',
  '@nestjs/graphql': '14.0.3',
  '@nestjs/apollo': '14.2.2',
  '@apollo/server': '^5.5.1',
  graphql: '^16.15.0',
  '@as-integrations/express5': '^1.1.2',
  '@nestjs/passport': '^12.0.0',
  passport: '^0.7.0',
  '@types/passport': '^1.0.17',
  'passport-jwt': '^4.0.1',
  '@types/passport-jwt': '^4.0.1',
  'socket.io-client': '^4.8.4',
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.2',
  next: '16.4.6',
  'next-auth': '4.24.15',
  react: '^19.3.1',
  'react-dom': '^19.3.1',
  '@types/react': '^19.3.0',
  '@types/react-dom': '^19.3.0',
  '@types/node': '^20.19.0',
  typescript: '5.9.3',
};

/** The Auth.js v5 app's next-auth (v5 is published under the `beta` tag). */
const NEXT_AUTH_V5 = '5.0.0-beta.32';
/** What a second copy of @x/core is re-released as, beside the packed one. */
const OTHER_CORE_VERSION = '0.1.0-other.1';
/** The start of what @x/core says once when an adapter's getUser throws. */
const RESOLVER_THREW = "[@x] the user resolver (the adapter's getUser) threw:";

/**
 * What the glue needs besides the README install lines (Fastify: the README's "or" platform;
 * passport-jwt: the JWT strategy the README's GqlAuthGuard extends; socket.io-client: the test's
 * gateway client, loaded from the consumer).
 */
const GLUE_DEPENDENCIES = ['@nestjs/jwt', '@nestjs/platform-fastify', 'passport-jwt'];
const GLUE_DEV_DEPENDENCIES = [
  '@types/node',
  '@types/passport-jwt',
  '@types/react',
  '@types/react-dom',
  'socket.io-client',
  'typescript',
];

const JWT_SECRET = 'packed-test-secret';
/** The key the README job examples' producer and worker share (X_PROPAGATION_KEY). */
const PROPAGATION_KEY = 'packed-test-propagation-key-0123456789';
const ALICE = {
  id: 'u-alice',
  username: 'alice',
  email: 'alice@example.com',
  password: 'alice-pass',
};
const BOB = { id: 'u-bob', username: 'bob', email: 'bob@example.com', password: 'bob-pass' };
/** A client-written X-Forwarded-For: no app here runs behind a proxy, so none may believe it. */
const SPOOFED_IP = '203.0.113.77';

const env = process.env;
/** X_PACKED_KEEP=1 keeps the temp dirs for a look; X_PACKED_SKIP=1 skips the whole file. */
const keep = Boolean(env.X_PACKED_KEEP);
const skip = Boolean(env.X_PACKED_SKIP);

const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

let work = '';
let consumer = '';
let tgzDir = '';
/** `@x/core` → absolute path of its tarball. */
const tarballs: Record<string, string> = {};
/** `core` → the unpacked tarball's `package` directory. */
const unpacked: Record<string, string> = {};
/** `core` → the packed README. */
const readmes: Record<string, string> = {};
let inbox: Server | undefined;
let reader: InboxReader;
let dsn = '';
let footprint: Promise<RunResult> | undefined;
/** The Auth.js v5 Next app (outside `consumer`: it needs its own next-auth). */
let nextV5 = '';
let nextV5Install: Promise<RunResult> | undefined;
const timings: Record<string, number> = {};

function timed<T>(label: string, promise: Promise<T>): Promise<T> {
  const started = Date.now();
  return promise.finally(() => {
    timings[label] = Date.now() - started;
  });
}

/** `node` as the Node running the tests (apps, tsc, next): 20 here, or 24/26 in those runs. */
function node(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 120_000) {
  return run(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, timeoutMs });
}

/**
 * Errors tsc reports inside other projects' declarations with skipLibCheck off, which an app
 * cannot fix: tolerated (and printed at the end), by package and error code. Anything else —
 * in the snippets, the glue, or any `@x/*` declaration — fails the test.
 */
const THIRD_PARTY_TYPE_ERRORS: Record<string, number[]> = {
  // next-auth 4's declarations import optional packages (@auth/core, nodemailer) and untyped cookie.
  'next-auth': [2307, 7016],
  // Next's url-pattern.d.ts needs URLPattern from lib.dom, which TypeScript 5.9 lacks.
  next: [2304],
  // @types/koa 3.0 names content-disposition's Options, which content-disposition 1.x dropped.
  '@types/koa': [2694],
  // Auth.js v5's declarations import optional peers (nodemailer, @simplewebauthn) and internal
  // types its published types.d.ts does not export (TS 5.9 says 2304 where 7 says 2552).
  '@auth/core': [2304, 2305, 2307, 2552],
  // The GraphQL packages' declarations import their optional peers (@apollo/gateway, ts-morph).
  '@nestjs/apollo': [2307],
  '@nestjs/graphql': [2307],
};
const toleratedTypeErrors = new Set<string>();

/** Runs tsc; returns the errors that count (one string per error, with its continuation lines). */
async function tsc(version: '5.9' | '7', project: string, extra: string[] = []) {
  const bin = join(
    consumer,
    'node_modules',
    version === '7' ? 'typescript7' : 'typescript',
    'bin',
    'tsc',
  );
  const result = await node(
    [bin, '-p', project, '--pretty', 'false', ...extra],
    consumer,
    {},
    180_000,
  );
  const errors: string[] = [];
  for (const line of result.output.split('\n')) {
    if (/^\s/.test(line) && errors.length > 0) errors[errors.length - 1] += `\n${line}`;
    else if (line.trim()) errors.push(line);
  }
  const counted = errors.filter((error) => {
    const match =
      /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/[^(]*\(\d+,\d+\): error TS(\d+)/.exec(error);
    const known = match && THIRD_PARTY_TYPE_ERRORS[match[1] ?? '']?.includes(Number(match[2]));
    if (known) toleratedTypeErrors.add(`TS ${version}: ${match?.[1]} TS${match?.[2]}`);
    return !known;
  });
  if (counted.length === 0 && result.code !== 0 && errors.length === 0) {
    counted.push(`tsc exited ${result.code} without an error line:\n${tail(result.output)}`);
  }
  return { ...result, errors: counted };
}

/** Starts `node <entry>` of the consumer on a free port and waits until it answers HTTP. */
async function startApp(name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const port = await freePort();
  const server = startServer(name, process.execPath, args, {
    cwd: consumer,
    env: { ...env, PORT: String(port), X_DSN: dsn, JWT_SECRET, ...extraEnv },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(server, `${url}/`, 60_000);
  return { server, url, port };
}

/** The part of socket.io-client the test uses (the consumer's copy: the workspace has none). */
interface IoClient {
  io(
    url: string,
    options: { auth: { token: string }; transports: string[] },
  ): {
    once(event: string, listener: (value: unknown) => void): void;
    emit(event: string, ...args: unknown[]): void;
    disconnect(): void;
  };
}

function userOf(event: StoredEvent) {
  const user = { ...(event.user ?? {}) };
  delete user.sentry_user;
  return user;
}

/** Logged-in alice, logged-in bob and an anonymous request at the same time, each marked. */
async function threeRequests(
  send: (marker: string, auth: 'alice' | 'bob' | 'anonymous') => Promise<Response>,
) {
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const markers = { alice: `a-${stamp}`, bob: `b-${stamp}`, anonymous: `n-${stamp}` };
  const responses = await Promise.all(
    (['alice', 'bob', 'anonymous'] as const).map((who) => send(markers[who], who)),
  );
  for (const response of responses) expect(response.status).toBe(500);
  const [alice, bob, anonymous] = await Promise.all([
    reader.waitFor(`alice's event (${markers.alice})`, fromRequest(markers.alice)),
    reader.waitFor(`bob's event (${markers.bob})`, fromRequest(markers.bob)),
    reader.waitFor(`the anonymous event (${markers.anonymous})`, fromRequest(markers.anonymous)),
  ]);
  return { alice, bob, anonymous };
}

/** What every adapter's events must say: the user, the SDK, the error; nobody else's user. */
function expectUsers(
  events: { alice: StoredEvent; bob: StoredEvent; anonymous: StoredEvent },
  expected: { sdk: string; error: string; ip: string | undefined },
) {
  for (const event of Object.values(events)) {
    expect(event.sdk?.name).toBe(expected.sdk);
    expect(event.exception?.values?.at(-1)).toMatchObject({ type: 'Error', value: expected.error });
  }
  const withIp = (user: Record<string, unknown>) =>
    expected.ip === undefined ? user : { ...user, ip_address: expected.ip };
  expect(userOf(events.alice)).toEqual(
    withIp({ id: ALICE.id, username: ALICE.username, email: ALICE.email }),
  );
  expect(userOf(events.bob)).toEqual(
    withIp({ id: BOB.id, username: BOB.username, email: BOB.email }),
  );
  expect(userOf(events.anonymous)).toEqual(withIp({}));
  expect(JSON.stringify(events.anonymous.user ?? {})).not.toMatch(/alice|bob/);
  expect(JSON.stringify([events.alice.user, events.bob.user])).not.toContain(SPOOFED_IP);
}

function bearer(account: typeof ALICE) {
  return jsonwebtoken.sign(
    { sub: account.id, username: account.username, email: account.email },
    JWT_SECRET,
  );
}

/** The Auth.js v5 app's package.json: the packed @x/next, next-auth 5, the rest as the consumer's. */
function nextV5Manifest() {
  const pinned = (names: string[]) => Object.fromEntries(names.map((n) => [n, VERSIONS[n]]));
  return {
    name: 'next-auth-v5-consumer',
    private: true,
    dependencies: {
      '@x/core': `file:${tarballs['@x/core']}`,
      '@x/next': `file:${tarballs['@x/next']}`,
      'next-auth': NEXT_AUTH_V5,
      ...pinned(['next', 'react', 'react-dom']),
    },
    devDependencies: pinned(['@types/node', '@types/react', '@types/react-dom', 'typescript']),
  };
}

describe.skipIf(skip)('packed install, outside the workspace', () => {
  beforeAll(async () => {
    for (const name of PACKAGES) {
      if (!existsSync(join(repoRoot, 'packages', name, 'dist'))) {
        throw new Error(
          `packages/${name}/dist is missing: build first (pnpm exec turbo run build)`,
        );
      }
    }
    work = mkdtempSync(join(tmpdir(), 'x-packed-'));
    tgzDir = join(work, 'tarballs');
    consumer = join(work, 'consumer');
    mkdirSync(consumer);

    // 1. pnpm pack (it rewrites workspace:* to the exact version), all five at once.
    const [pnpm = 'pnpm', ...pnpmArgs] = pnpmCommand();
    await timed(
      'pack',
      runOk(
        pnpm,
        [
          ...pnpmArgs,
          '-r',
          ...PACKAGES.flatMap((name) => ['--filter', `@x/${name}`]),
          'pack',
          '--pack-destination',
          tgzDir,
        ],
        { cwd: repoRoot, timeoutMs: 120_000 },
      ),
    );
    // Each tarball unpacked as npm would see it (unpacked/<file>/package): manifest, README, dist.
    for (const file of readdirSync(tgzDir)) {
      const tgz = join(tgzDir, file);
      const dir = join(work, 'unpacked', file);
      mkdirSync(dir, { recursive: true });
      await runOk('tar', ['-xzf', tgz, '-C', dir], { cwd: work, timeoutMs: 30_000 });
      const manifest = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8'));
      const short = String(manifest.name).replace('@x/', '');
      tarballs[manifest.name] = tgz;
      unpacked[short] = join(dir, 'package');
      const readme = join(dir, 'package', 'README.md');
      readmes[short] = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
    }
    expect(Object.keys(tarballs).sort()).toEqual(PACKAGES.map((name) => `@x/${name}`).sort());

    // 2. The footprint consumer (core + inbox only), installed next to the main one.
    const small = join(work, 'footprint');
    mkdirSync(small);
    writeFileSync(
      join(small, 'package.json'),
      JSON.stringify({ name: 'footprint', private: true }),
    );
    footprint = timed(
      'footprint install',
      run(
        'npm',
        [
          'install',
          '--save-dev',
          ...npmFlags,
          tarballs['@x/core'] ?? '',
          tarballs['@x/inbox'] ?? '',
        ],
        {
          cwd: small,
          timeoutMs: 300_000,
        },
      ),
    );

    // 3. The Auth.js v5 app: a project of its own (next-auth 5 cannot sit beside the consumer's
    // next-auth 4), installed while the consumer installs.
    nextV5 = join(work, 'next-auth-v5');
    cpSync(join(fixtures, 'next-auth-v5'), nextV5, { recursive: true });
    writeFileSync(join(nextV5, 'package.json'), `${JSON.stringify(nextV5Manifest(), null, 2)}\n`);
    nextV5Install = timed(
      'next-auth v5 install',
      run('npm', ['install', ...npmFlags], { cwd: nextV5, timeoutMs: 300_000 }),
    );

    // 4. The consumer: every README install line, the glue's few extras, both TypeScripts.
    const dependencies: Record<string, string> = {};
    const devDependencies: Record<string, string> = { typescript7: `npm:typescript@${TS7}` };
    const version = (name: string) => {
      if (tarballs[name]) return `file:${tarballs[name]}`;
      const v = VERSIONS[name];
      if (!v) throw new Error(`a README installs ${name}: give it a version in VERSIONS`);
      return v;
    };
    for (const name of README_PACKAGES) {
      const lines = installLines(readmes[name] ?? '');
      for (const dep of lines.dependencies) dependencies[dep] = version(dep);
      for (const dep of lines.dev) devDependencies[dep] = version(dep);
    }
    dependencies['@x/inbox'] = version('@x/inbox');
    for (const dep of GLUE_DEPENDENCIES) dependencies[dep] ??= version(dep);
    for (const dep of GLUE_DEV_DEPENDENCIES) {
      if (!dependencies[dep]) devDependencies[dep] = version(dep);
    }
    // The `overrides` a README tells an app to add to its package.json (e.g. a peer range that
    // stops a major short), as the app would write them.
    const overrides: Record<string, unknown> = {};
    for (const name of README_PACKAGES) {
      for (const block of codeBlocks(readmes[name] ?? '')) {
        if (block.lang !== 'json' || !block.code.includes('"overrides"')) continue;
        Object.assign(overrides, (JSON.parse(block.code) as { overrides?: object }).overrides);
      }
    }
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'x-consumer', private: true, type: 'module', dependencies, devDependencies, overrides }, null, 2)}\n`,
    );
    await timed(
      'npm install',
      runOk('npm', ['install', ...npmFlags], { cwd: consumer, timeoutMs: 420_000 }),
    );

    // 5. Source files: the glue, then every marked README snippet as written.
    cpSync(join(fixtures, 'consumer'), consumer, { recursive: true });
    for (const name of README_PACKAGES) {
      for (const snippet of snippets(readmes[name] ?? '')) {
        // The Auth.js v5 snippets belong to the v5 app, a project of its own (step 3).
        const base = snippet.file.startsWith('next-auth-v5/') ? work : consumer;
        const file = join(base, snippet.file);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, snippet.code);
      }
    }

    // 6. The inbox from its tarball's bin, on Node 24: node:sqlite, so nothing to compile.
    const node24 = ensureNode(24);
    if (!node24.path) throw new Error(`no Node 24 for the inbox: ${node24.reason}`);
    const inboxNode = node24.path;
    const inboxPort = await freePort();
    inbox = startServer(
      'x-inbox',
      inboxNode,
      [
        join(consumer, 'node_modules', '.bin', 'x-inbox'),
        '--port',
        String(inboxPort),
        '--db',
        join(work, 'inbox.db'),
      ],
      { cwd: consumer, env: process.env },
    );
    await waitForHttp(inbox, `http://127.0.0.1:${inboxPort}/api/health`, 30_000);
    dsn = /DSN: (\S+)/.exec(inbox.output())?.[1] ?? '';
    expect(dsn).toBe(`http://xinboxdevkey@127.0.0.1:${inboxPort}/1`);
    reader = new InboxReader(`http://127.0.0.1:${inboxPort}`);
  }, 900_000);

  afterAll(async () => {
    await stopAllServers();
    await footprint?.catch(() => undefined);
    await nextV5Install?.catch(() => undefined);
    if (work && !keep) rmSync(work, { recursive: true, force: true });
    console.log(
      `packed-install timings (ms): ${JSON.stringify(timings)}${keep ? `; kept ${work}` : ''}`,
    );
    if (toleratedTypeErrors.size > 0) {
      console.log(
        `third-party declaration errors tolerated: ${[...toleratedTypeErrors].join(', ')}`,
      );
    }
  }, 60_000);

  describe('the READMEs an outside user follows', () => {
    it.each(README_PACKAGES)(
      '@x/%s: every TS snippet is marked, and its imports are installed',
      (name) => {
        const readme = readmes[name] ?? '';
        const unmarked = codeBlocks(readme).filter(
          (b) => ['ts', 'tsx'].includes(b.lang) && !b.file,
        );
        expect(unmarked.map((b) => b.code.split('\n')[0])).toEqual([]);
        const { dependencies, dev } = installLines(readme);
        const installed = [...dependencies, ...dev];
        expect(installed).toContain(`@x/${name}`);
        for (const snippet of snippets(readme)) {
          const missing = importedPackages(snippet.code).filter((dep) => !installed.includes(dep));
          expect(
            missing,
            `${snippet.file} imports packages its install line does not name`,
          ).toEqual([]);
        }
      },
    );

    it.each(README_PACKAGES)('@x/%s: no in-repo commands or relative links', (name) => {
      const readme = readmes[name] ?? '';
      expect(readme).not.toMatch(/\bpnpm\b|npm run |\]\((?!https?:|#)/);
    });
  });

  describe('the tarballs', () => {
    it('npm installed each @x package once, from its tarball (not from a registry)', () => {
      const lock = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8'));
      const copies = Object.entries(lock.packages as Record<string, { resolved?: string }>)
        .filter(([path]) => /(^|\/)node_modules\/@x\//.test(path))
        .map(([path, entry]) => {
          const from = entry.resolved ?? '?';
          return `${path} <- ${from.startsWith('file:') ? `file:${basename(from)}` : from}`;
        });
      expect(copies.sort()).toEqual(
        PACKAGES.map(
          (name) => `node_modules/@x/${name} <- file:${basename(tarballs[`@x/${name}`] ?? '')}`,
        ).sort(),
      );
    });

    // One consumer hoists everything, so a dependency missing from one package's list could be
    // masked by another package that brings it: check each tarball's own imports against its lists.
    it.each(PACKAGES)(
      '@x/%s imports only what it declares (dependencies, peers, builtins)',
      (name) => {
        const dir = unpacked[name] ?? '';
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const declared = new Set([
          manifest.name,
          ...Object.keys(manifest.dependencies ?? {}),
          ...Object.keys(manifest.peerDependencies ?? {}),
        ]);
        const undeclared = new Set<string>();
        const files = readdirSync(join(dir, 'dist'), { recursive: true, encoding: 'utf8' });
        for (const file of files.filter((f) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f))) {
          const code = readFileSync(join(dir, 'dist', file), 'utf8');
          const specifiers = code.matchAll(
            /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*|^import\s+)["']([^"'\s]+)["']/gm,
          );
          for (const [, specifier = ''] of specifiers) {
            if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
            const parts = specifier.split('/');
            const pkg = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
            if (builtinModules.includes(pkg) || declared.has(pkg)) continue;
            undeclared.add(`${pkg} (dist/${file})`);
          }
        }
        expect([...undeclared]).toEqual([]);
      },
    );

    // workspace:* is published as the exact version: an adapter runs the core it was released
    // with, never a later one a range would let npm pick.
    it.each(PACKAGES.filter((name) => name !== 'core'))(
      '@x/%s depends on exactly the packed @x/core (no range), in its tarball and as installed',
      (name) => {
        const core = readManifest(unpacked.core ?? '').version;
        expect(readManifest(unpacked[name] ?? '').dependencies?.['@x/core']).toBe(core);
        const installed = readManifest(join(consumer, 'node_modules', '@x', name));
        expect(installed.dependencies?.['@x/core']).toBe(core);
      },
    );

    it.each(PACKAGES)('@x/%s ships its README and a file for every export and bin', (name) => {
      const dir = unpacked[name] ?? '';
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(existsSync(join(dir, 'README.md'))).toBe(true);
      const targets = JSON.stringify(manifest.exports ?? {}).match(/"\.\/[^"*]+"/g) ?? [];
      const missing = targets
        .map((target) => target.slice(1, -1))
        .filter((target) => !existsSync(join(dir, target)));
      expect(missing).toEqual([]);
      for (const bin of Object.values(manifest.bin ?? {}) as string[]) {
        expect(existsSync(join(dir, bin)), bin).toBe(true);
      }
    });
  });

  describe('TypeScript (strict, exactOptionalPropertyTypes, skipLibCheck off)', () => {
    // Koa, Nest and core: module/moduleResolution nodenext, as a Node app has.
    it('5.9 compiles the Node snippets (and emits what the apps run)', async () => {
      const result = await timed('tsc 5.9 node', tsc('5.9', 'tsconfig.json'));
      expect(result.errors).toEqual([]);
    }, 240_000);

    it('7 compiles the Node snippets', async () => {
      const result = await timed('tsc 7 node', tsc('7', 'tsconfig.json', ['--noEmit']));
      expect(result.errors).toEqual([]);
    }, 240_000);
  });

  describe('the packed inbox', () => {
    it('runs on Node 24 with node:sqlite and answers its API', async () => {
      expect(inbox?.output()).toContain('SQLite via node:sqlite');
      const health = (await (await fetch(`${reader.url}/api/health`)).json()) as { status: string };
      expect(health.status).toBe('ok');
    });

    it('installs small: core + inbox take < 40 MB of node_modules', async () => {
      const result = await footprint;
      expect(result?.code, tail(result?.output ?? '')).toBe(0);
      const du = await runOk('du', ['-sk', join(work, 'footprint', 'node_modules')], {
        cwd: work,
        timeoutMs: 60_000,
      });
      const megabytes = Number.parseInt(du.output, 10) / 1024;
      timings['footprint MB'] = Math.round(megabytes);
      expect(megabytes).toBeLessThan(40);
    }, 300_000);
  });

  describe('@x/core README', () => {
    it('the usage example prints what the README says it prints', async () => {
      const result = await node(['dist/core-usage.js'], consumer);
      expect(result.code, result.output).toBe(0);
      const code =
        snippets(readmes.core ?? '').find((s) => s.file === 'src/core-usage.ts')?.code ?? '';
      // The comment lines right after each console.log are its output.
      const promised = [...code.matchAll(/console\.log\([^\n]*\n((?:\s*\/\/[^\n]*\n)+)/g)].map(
        (m) => (m[1] ?? '').replace(/^\s*\/\/\s?/gm, ''),
      );
      const squash = (text: string) =>
        text.replace(/\s+/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').trim();
      expect(squash(result.output)).toBe(squash(promised.join('\n')));
    });

    it('the sending example delivers to the inbox', async () => {
      const result = await node(['dist/core-sending.js'], consumer, { X_DSN: dsn });
      expect(result.code, result.output).toBe(0);
      const event = await reader.waitFor(
        'the core example event',
        (e) => e.release === 'shop@1.4.0' && Boolean(e.exception),
      );
      expect(event.sdk?.name).toBe('x.javascript.core');
      // The inbox keeps custom user keys under user.data, as Relay does.
      expect(event.user).toMatchObject({ id: 'u-1', data: { subscription: 'pro' } });
      expect(event.exception?.values?.at(-1)?.type).toBe('SyntaxError');
    });
  });

  describe('@x/koa README app', () => {
    it('reports the logged-in user (JWT via koa-jwt), its IP, and nobody else', async () => {
      const { url } = await startApp('koa', ['dist/koa-app.js']);
      const tokens = { alice: bearer(ALICE), bob: bearer(BOB) };
      const events = await threeRequests((marker, who) =>
        fetch(`${url}/boom?case=${marker}`, {
          headers: {
            'x-forwarded-for': SPOOFED_IP,
            ...(who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` }),
          },
        }),
      );
      expectUsers(events, { sdk: 'x.javascript.koa', error: 'boom', ip: '127.0.0.1' });
    }, 120_000);
  });

  describe('@x/koa README Sentry mode (@sentry/node 11)', () => {
    it("Sentry's event of a signed-in request carries @x's user and Koa's IP", async () => {
      const { url, server } = await startApp('koa-sentry', ['dist/koa-sentry.js'], {
        SENTRY_DSN: dsn,
      });
      const marker = `s-${Date.now().toString(36)}`;
      const res = await fetch(`${url}/boom?case=${marker}`, {
        headers: { authorization: `Bearer ${bearer(ALICE)}`, 'x-forwarded-for': SPOOFED_IP },
      });
      expect(res.status).toBe(500);
      const event = await reader.waitFor(
        'the Sentry mode event',
        (e) =>
          e.sdk?.name === 'sentry.javascript.node' &&
          JSON.stringify(e.request ?? {}).includes(marker),
      );
      // Sentry 11 collects user info by default: the login's email and the client IP come along.
      expect(userOf(event)).toEqual({
        id: ALICE.id,
        username: ALICE.username,
        email: ALICE.email,
        ip_address: '127.0.0.1',
      });
      await server.stop();
    }, 120_000);
  });

  describe('@x/koa README jobs (BullMQ on a real Redis)', () => {
    it('a job added in a signed-in request fails in the worker process with that user', async () => {
      const redis = await startRedis();
      try {
        const jobsEnv = { REDIS_URL: redis.url, X_PROPAGATION_KEY: PROPAGATION_KEY };
        const worker = startServer('koa-worker', process.execPath, ['dist/koa-worker.js'], {
          cwd: consumer,
          env: { ...env, X_DSN: dsn, ...jobsEnv },
        });
        const { url, server } = await startApp('koa-jobs', ['dist/koa-jobs-app.js'], jobsEnv);
        const order = `x-${Date.now().toString(36)}`;
        const res = await fetch(`${url}/invoices?order=${order}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer(ALICE)}` },
        });
        expect(res.status).toBe(202);
        const { jobId } = (await res.json()) as { jobId: string };
        const event = await reader.waitFor(`the koa job ${jobId}'s event`, (e) =>
          JSON.stringify(e.exception ?? {}).includes(`unknown order ${order}`),
        );
        expect(event.sdk?.name).toBe('x.javascript.bullmq');
        expect(event.transaction).toBe('job invoices/send');
        expect(event.contexts).toMatchObject({
          job: { queue: 'invoices', name: 'send', id: jobId, attempt: 1 },
        });
        expect(event.request).toBeUndefined();
        // The producer has no sendDefaultPii: the job carries the id and username only.
        expect(userOf(event)).toEqual({ id: ALICE.id, username: ALICE.username });
        await Promise.all([worker.stop(), server.stop()]);
      } finally {
        await redis.stop();
      }
    }, 120_000);
  });

  describe('@x/bullmq README Nest module (BullMQ on a real Redis)', () => {
    it('a job the controller adds fails in its @Processor: 3 attempts, 3 events with the user', async () => {
      const redis = await startRedis();
      try {
        const { url, server } = await startApp('nest-jobs', ['dist/nest/main-jobs.js'], {
          REDIS_URL: redis.url,
          X_PROPAGATION_KEY: PROPAGATION_KEY,
        });
        const res = await fetch(`${url}/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer(BOB)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ order: '' }),
        });
        expect(res.status).toBe(201);
        const ofTheJob = (e: StoredEvent) =>
          e.transaction === 'job invoices/send' && e.sdk?.name === 'x.javascript.nest';
        const events = await poll(
          'the three attempts of the Nest job',
          async () => {
            const found = (await reader.all()).filter(ofTheJob);
            return found.length >= 3 ? found : undefined;
          },
          60_000,
        );
        expect(events).toHaveLength(3);
        const attempts = events.map(
          (e) => (e.contexts as { job?: { attempt?: number } }).job?.attempt,
        );
        expect(attempts.sort()).toEqual([1, 2, 3]);
        for (const event of events) {
          expect(event.exception?.values?.at(-1)).toMatchObject({ value: 'no order' });
          expect(userOf(event)).toEqual({ id: BOB.id, username: BOB.username });
          expect(event.request).toBeUndefined();
        }
        await server.stop();
      } finally {
        await redis.stop();
      }
    }, 120_000);
  });

  describe('two versions of @x/core in one app', () => {
    it("@x/koa keeps the core it pins, shares the app's scopes, and the app is told once", async () => {
      const core = readManifest(unpacked.core ?? '').version;
      const otherCore = await timed(
        'core repack',
        repackCoreAs(unpacked.core ?? '', OTHER_CORE_VERSION, work),
      );
      const dir = join(work, 'two-cores');
      cpSync(join(fixtures, 'two-cores'), dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'two-cores',
          private: true,
          type: 'module',
          dependencies: {
            '@x/core': `file:${otherCore}`,
            '@x/koa': `file:${tarballs['@x/koa']}`,
            koa: VERSIONS.koa,
          },
          // Stands in for the registry, which would serve @x/koa's pinned core: the packed one
          // is on none.
          overrides: { '@x/koa': { '@x/core': `file:${tarballs['@x/core']}` } },
        }),
      );
      await timed(
        'two cores install',
        runOk('npm', ['install', ...npmFlags], { cwd: dir, timeoutMs: 180_000 }),
      );

      // Two cores on disk: the app's at the top, the released one nested under the adapter, and
      // each side resolves its own.
      const top = join(dir, 'node_modules', '@x', 'core');
      const nested = join(dir, 'node_modules', '@x', 'koa', 'node_modules', '@x', 'core');
      expect(readManifest(top).version).toBe(OTHER_CORE_VERSION);
      expect(readManifest(nested).version).toBe(core);
      const koaRequire = createRequire(join(dir, 'node_modules', '@x', 'koa', 'package.json'));
      expect(koaRequire.resolve('@x/core')).toContain(`${nested}/`);
      expect(createRequire(join(dir, 'package.json')).resolve('@x/core')).toContain(`${top}/`);

      const port = await freePort();
      const server = startServer('two-cores', process.execPath, ['app.mjs'], {
        cwd: dir,
        env: { ...env, PORT: String(port), X_DSN: dsn },
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(server, `${url}/`, 30_000);
      const stamp = Date.now().toString(36);
      for (const marker of [`tc1-${stamp}`, `tc2-${stamp}`]) {
        expect((await fetch(`${url}/boom?case=${marker}`)).status).toBe(500);
        const event = await reader.waitFor(`the two-cores event (${marker})`, fromRequest(marker));
        // The app's copy set the user on the scope the adapter's copy captured in…
        expect(userOf(event)).toEqual({ id: 'from-app-core' });
        // …and the client the app's copy initialized (its version) sent the event.
        expect(event.sdk).toMatchObject({ name: 'x.javascript.core', version: OTHER_CORE_VERSION });
        expect(event.exception?.values?.at(-1)?.value).toBe('boom with two cores');
      }
      await server.stop();
      const told = linesWith(server.output(), 'is loaded beside @x/core');
      expect(told, server.output()).toHaveLength(1);
      expect(linesWith(server.errors(), 'is loaded beside @x/core')).toEqual(told);
      const named = /^\[@x\] @x\/core (\S+) is loaded beside @x\/core (\S+?):/.exec(told[0] ?? '');
      expect(named?.slice(1).sort()).toEqual([core, OTHER_CORE_VERSION].sort());
    }, 240_000);
  });

  describe('@x/nest README module', () => {
    const nest = (platform: string, entry: string) =>
      it(`on ${platform}: logs in (JWT), reports the user, its IP, and nobody else`, async () => {
        const { url } = await startApp(`nest-${platform}`, [entry]);
        const login = async (account: typeof ALICE) => {
          const response = await fetch(`${url}/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: account.username, password: account.password }),
          });
          expect(response.status).toBe(200);
          return ((await response.json()) as { token: string }).token;
        };
        const tokens = { alice: await login(ALICE), bob: await login(BOB) };
        const events = await threeRequests((marker, who) =>
          fetch(`${url}/boom?case=${marker}`, {
            headers: {
              'x-forwarded-for': SPOOFED_IP,
              ...(who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` }),
            },
          }),
        );
        expectUsers(events, { sdk: 'x.javascript.nest', error: 'boom', ip: '127.0.0.1' });
      }, 120_000);
    nest('Express', 'dist/nest/main.js');
    nest('Fastify', 'dist/nest/main-fastify.js');

    // The README's GraphQL module, socket.io gateway and Orders (withUser) in one Express app that
    // is also the TCP microservice Orders calls (main-beyond.ts): each failure is one event, with
    // the Bearer token's user and a transaction of its kind.
    it('GraphQL, the socket.io gateway and the microservice report the caller, once each', async () => {
      const { url } = await startApp('nest-beyond', ['dist/nest/main-beyond.js'], {
        RPC_PORT: String(await freePort()),
        X_PROPAGATION_KEY: 'packed-test-propagation-key-0123456789',
      });
      const token = bearer(ALICE);
      const alice = { id: ALICE.id, username: ALICE.username, email: ALICE.email };

      // Apollo answers 200, with the resolver's error in the body.
      const graphql = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'query Balance { balance }' }),
      });
      expect(await graphql.json()).toMatchObject({ errors: [{ message: 'ledger unavailable' }] });

      // The consumer's socket.io-client, as an app's browser would connect.
      const { io } = createRequire(join(consumer, 'package.json'))('socket.io-client') as IoClient;
      const socket = io(url, { auth: { token }, transports: ['websocket'] });
      const answered = await new Promise<unknown>((resolve, reject) => {
        socket.once('exception', resolve);
        socket.once('connect_error', reject);
        socket.emit('send', 'hello');
      }).finally(() => socket.disconnect());
      expect(answered).toMatchObject({ status: 'error', message: 'Internal server error' });

      // The route's own 500 is the caller's event; the handler's is the microservice's.
      const total = await fetch(`${url}/total`, { headers: { authorization: `Bearer ${token}` } });
      expect(total.status).toBe(500);

      // Each failure: its error, its transaction, the caller's user (no IP on a socket message).
      const expected = [
        { error: 'ledger unavailable', transaction: 'query Balance', ip: true },
        { error: 'not sent: hello', transaction: 'ws send', ip: false },
        { error: 'cannot sum 2 items', transaction: 'rpc {"cmd":"sum"}', ip: true },
      ];
      const errorOf = (e: StoredEvent) => e.exception?.values?.at(-1)?.value;
      for (const { error, transaction, ip } of expected) {
        const event = await reader.waitFor(
          `the event of ${transaction}`,
          (e) => errorOf(e) === error,
        );
        expect(event.transaction).toBe(transaction);
        expect(event.sdk?.name).toBe('x.javascript.nest');
        expect(userOf(event)).toEqual(ip ? { ...alice, ip_address: '127.0.0.1' } : alice);
      }
      // By now a second copy of any of them, sent with it, would have arrived too.
      const all = await reader.all();
      for (const { error } of expected) {
        expect(
          all.filter((e) => errorOf(e) === error),
          error,
        ).toHaveLength(1);
      }
    }, 120_000);

    it('loads in a CommonJS Nest 11 app (require(esm), Node ≥ 20.19)', async () => {
      const dir = join(work, 'nest11');
      cpSync(join(fixtures, 'nest11'), dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'nest11-consumer',
          private: true,
          dependencies: {
            '@x/core': `file:${tarballs['@x/core']}`,
            '@x/nest': `file:${tarballs['@x/nest']}`,
            '@nestjs/common': '^11.1.0',
            '@nestjs/core': '^11.1.0',
            '@nestjs/platform-express': '^11.1.0',
            'reflect-metadata': '^0.2.2',
            rxjs: '^7.8.2',
          },
          devDependencies: { '@types/node': '^20.19.0' },
        }),
      );
      await timed(
        'nest 11 install',
        runOk('npm', ['install', ...npmFlags], { cwd: dir, timeoutMs: 300_000 }),
      );
      const compiled = await node(
        [
          join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          '.',
          '--pretty',
          'false',
        ],
        dir,
      );
      expect(compiled.output).toBe('');
      expect(readFileSync(join(dir, 'dist', 'main.js'), 'utf8')).toContain('require("@x/nest")');
      const port = await freePort();
      const server = startServer('nest11', process.execPath, ['dist/main.js'], {
        cwd: dir,
        env: { ...process.env, PORT: String(port), X_DSN: dsn },
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(server, `${url}/`, 60_000);
      expect(await (await fetch(`${url}/`)).json()).toEqual({ ok: true, commonjs: true });
      const marker = `n11-${Date.now()}`;
      expect(
        (await fetch(`${url}/boom?case=${marker}`, { headers: { 'x-user-id': 'u-nest11' } }))
          .status,
      ).toBe(500);
      const event = await reader.waitFor('the Nest 11 event', fromRequest(marker));
      expect(event.sdk?.name).toBe('x.javascript.nest');
      expect(event.user?.id).toBe('u-nest11');
      expect(event.exception?.values?.at(-1)?.value).toBe('boom from nest 11');
    }, 300_000);
  });

  describe('@x/next README app (next build + next start, no proxy)', () => {
    const nextBin = () => join(consumer, 'node_modules', 'next', 'dist', 'bin', 'next');
    const nextApp = () => join(consumer, 'next-app');

    it('builds with next build', async () => {
      const result = await timed(
        'next build',
        node(
          [nextBin(), 'build'],
          nextApp(),
          { NEXT_TELEMETRY_DISABLED: '1', NEXT_PUBLIC_X_DSN: dsn },
          400_000,
        ),
      );
      expect(result.code, tail(result.output)).toBe(0);
    }, 420_000);

    // What a Next user has: moduleResolution bundler, jsx, Next's generated next-env.d.ts and
    // route types (written by next build), checked with both compilers.
    it.each(['5.9', '7'] as const)(
      'TypeScript %s compiles the Next snippets',
      async (version) => {
        const result = await timed(
          `tsc ${version} next`,
          tsc(version, join('next-app', 'tsconfig.json')),
        );
        expect(result.errors).toEqual([]);
      },
      240_000,
    );

    it('logs in with next-auth, reports the user, no IP a client could forge, nobody else', async () => {
      // The user below comes through core's mapper, from next-auth 4's JWT.
      const instrumentation = snippets(readmes.next ?? '').find(
        (s) => s.file === 'next-app/instrumentation.ts',
      );
      expect(instrumentation?.code).toMatch(/\bmapAuthUser\(/);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const server = startServer(
        'next',
        process.execPath,
        [nextBin(), 'start', '-p', String(port), '-H', '127.0.0.1'],
        {
          cwd: nextApp(),
          env: {
            ...process.env,
            NEXT_TELEMETRY_DISABLED: '1',
            X_DSN: dsn,
            NEXTAUTH_SECRET: JWT_SECRET,
            NEXTAUTH_URL: url,
          },
        },
      );
      await waitForHttp(server, `${url}/`, 60_000);
      // A page render first: the client Providers module runs on the server, too.
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);

      const cookies = {
        alice: await signInWithCredentials(url, ALICE, SESSION_COOKIE.v4),
        bob: await signInWithCredentials(url, BOB, SESSION_COOKIE.v4),
      };
      const events = await threeRequests((marker, who) =>
        fetch(`${url}/api/orders?case=${marker}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': SPOOFED_IP,
            ...(who === 'anonymous' ? {} : { cookie: cookies[who] }),
          },
          body: JSON.stringify({ items: [] }),
        }),
      );
      // No trustProxy (the README's `next start` recipe): no client IP at all, never the forged one.
      expectUsers(events, { sdk: 'x.javascript.nextjs', error: 'empty order', ip: undefined });

      // A server component that throws reaches the inbox through the README's onRequestError,
      // with the user read from the session cookie of that request.
      const broken = await fetch(`${url}/broken`, { headers: { cookie: cookies.alice } });
      expect(broken.status).toBe(500);
      const event = await reader.waitFor(
        'the server component error',
        (e) => e.exception?.values?.at(-1)?.value === 'page broke',
      );
      expect(event.sdk?.name).toBe('x.javascript.nextjs');
      expect(userOf(event)).toEqual({ id: ALICE.id, username: ALICE.username, email: ALICE.email });
    }, 180_000);
  });

  // The same @x/next with Auth.js v5, whose server-side API is `auth()`: in a route handler, a
  // server action or a server component it reads the request's cookies itself, so getUser needs
  // no Request. The session callback in auth.ts puts the id on `session.user`.
  describe('Auth.js v5 app: getUser maps auth() (next build + next start)', () => {
    const nextBin = () => join(nextV5, 'node_modules', 'next', 'dist', 'bin', 'next');

    /** `next start` on a free port, with AUTH_SECRET; the host is trusted as behind no proxy. */
    async function startNextV5(name: string, extraEnv: NodeJS.ProcessEnv = {}) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const server = startServer(
        name,
        process.execPath,
        [nextBin(), 'start', '-p', String(port), '-H', '127.0.0.1'],
        {
          cwd: nextV5,
          env: {
            ...env,
            NEXT_TELEMETRY_DISABLED: '1',
            X_DSN: dsn,
            AUTH_SECRET: JWT_SECRET,
            AUTH_TRUST_HOST: 'true',
            ...extraEnv,
          },
        },
      );
      await waitForHttp(server, `${url}/`, 60_000);
      return { server, url };
    }

    it(`installs next-auth ${NEXT_AUTH_V5} and builds with next build`, async () => {
      const installed = await nextV5Install;
      expect(installed?.code, tail(installed?.output ?? '')).toBe(0);
      expect(readManifest(join(nextV5, 'node_modules', 'next-auth')).version).toBe(NEXT_AUTH_V5);
      const result = await timed(
        'next build (Auth.js v5)',
        node([nextBin(), 'build'], nextV5, { NEXT_TELEMETRY_DISABLED: '1' }, 400_000),
      );
      expect(result.code, tail(result.output)).toBe(0);
    }, 720_000);

    it.each(['5.9', '7'] as const)(
      'TypeScript %s compiles it',
      async (version) => {
        const result = await timed(
          `tsc ${version} next v5`,
          tsc(version, join(nextV5, 'tsconfig.json')),
        );
        expect(result.errors).toEqual([]);
      },
      240_000,
    );

    it('signs in; route handler and server component events carry the user, nobody else', async () => {
      const { server, url } = await startNextV5('next-auth-v5');
      const cookies = {
        alice: await signInWithCredentials(url, ALICE, SESSION_COOKIE.v5),
        bob: await signInWithCredentials(url, BOB, SESSION_COOKIE.v5),
      };
      const events = await threeRequests((marker, who) =>
        fetch(`${url}/api/orders?case=${marker}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': SPOOFED_IP,
            ...(who === 'anonymous' ? {} : { cookie: cookies[who] }),
          },
          body: JSON.stringify({ items: [] }),
        }),
      );
      expectUsers(events, { sdk: 'x.javascript.nextjs', error: 'empty order', ip: undefined });

      // Through onRequestError: auth() still finds the request's cookies there.
      const marker = `v5-page-${Date.now().toString(36)}`;
      const broken = await fetch(`${url}/broken?case=${marker}`, {
        headers: { cookie: cookies.bob },
      });
      expect(broken.status).toBe(500);
      const event = await reader.waitFor('the v5 server component error', fromRequest(marker));
      expect(event.exception?.values?.at(-1)?.value).toBe('page broke (v5)');
      expect(userOf(event)).toEqual({ id: BOB.id, username: BOB.username, email: BOB.email });
      await server.stop();
      expect(linesWith(server.output(), RESOLVER_THREW)).toEqual([]);
    }, 180_000);

    // Auth.js v5's getToken reads no AUTH_SECRET by itself and throws for every signed-in
    // request without one: events lose their user, and the console says so once, not per request.
    it('getUser with getToken({ req }) and no secret: no user, and one console line', async () => {
      const { server, url } = await startNextV5('next-auth-v5 (getToken without secret)', {
        X_GET_USER: 'getToken-without-secret',
      });
      const cookie = await signInWithCredentials(url, ALICE, SESSION_COOKIE.v5);
      const stamp = Date.now().toString(36);
      const requests = [
        ...[1, 2, 3].map((i) => ({ marker: `v5-nosecret-${i}-${stamp}`, path: '/api/orders' })),
        { marker: `v5-nosecret-page-${stamp}`, path: '/broken' },
      ];
      for (const { marker, path } of requests) {
        const response = await fetch(`${url}${path}?case=${marker}`, {
          method: path === '/broken' ? 'GET' : 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          ...(path === '/broken' ? {} : { body: JSON.stringify({ items: [] }) }),
        });
        expect(response.status).toBe(500);
        const event = await reader.waitFor(`the event of ${path} (${marker})`, fromRequest(marker));
        expect(userOf(event)).toEqual({});
      }
      await server.stop();
      const said = linesWith(server.output(), RESOLVER_THREW);
      expect(said, tail(server.output())).toHaveLength(1);
      expect(said[0]).toMatch(/^\[@x\] .*Must pass `secret`/);
    }, 180_000);
  });
});
