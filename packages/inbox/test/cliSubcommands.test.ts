// The x-inbox subcommands: parsing, each one's --help, an unknown command or flag (one line, exit
// 2), `x-inbox mcp` with and without @x/inbox-mcp, and a bin that loads each command's code only
// when that command runs.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseCommand } from '../src/cliArgs';
import { BUILT_CLI, requireBuiltCli } from './builtCli';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'x-inbox-sub-'));
  dirs.push(dir);
  return dir;
}

/**
 * The built bin copied alone into a folder with no node_modules above it: an `@x/inbox-mcp`
 * beside `@x/inbox` (an optional peer in this workspace) is out of its reach there.
 */
function isolatedBin(): string {
  const bin = tempDir();
  for (const file of readdirSync(join(BUILT_CLI, '..'))) {
    if (file.endsWith('.js')) cpSync(join(BUILT_CLI, '..', file), join(bin, file));
  }
  return join(bin, 'cli.js');
}

function run(args: string[], options: { cwd?: string; bin?: string } = {}) {
  return spawnSync(process.execPath, [options.bin ?? BUILT_CLI, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    // pnpm exec sets NODE_PATH to the workspace's packages, where require.resolve would look.
    env: { ...process.env, X_INBOX_TOKEN: '', NODE_PATH: '' },
    timeout: 15_000,
  });
}

describe('parseCommand', () => {
  it('runs serve without a subcommand, or with one, with the same flags', () => {
    expect(parseCommand(['--port', '0', '--no-geo'])).toMatchObject({
      command: 'serve',
      options: { port: 0, geo: false },
    });
    expect(parseCommand(['serve', '--port', '0'])).toMatchObject({
      command: 'serve',
      options: { port: 0 },
    });
    expect(parseCommand([])).toMatchObject({ command: 'serve', options: { port: 8969 } });
    expect(parseCommand(['--version'])).toEqual({ command: 'version' });
  });

  it('parses tail and mcp, with the local inbox as the default URL and X_INBOX_TOKEN', () => {
    expect(DEFAULT_URL).toBe('http://127.0.0.1:8969');
    expect(parseCommand(['tail'], {})).toEqual({
      command: 'tail',
      args: {
        url: DEFAULT_URL,
        token: undefined,
        json: false,
        user: undefined,
        transaction: undefined,
        level: undefined,
      },
    });
    expect(
      parseCommand(
        ['tail', '--url', 'http://h:1/', '--json', '--user', 'id:u-a', '--level', 'warning'],
        { X_INBOX_TOKEN: 'env-token' },
      ),
    ).toMatchObject({
      args: { url: 'http://h:1', token: 'env-token', json: true, user: 'id:u-a', level: 'warning' },
    });
    expect(parseCommand(['mcp', '--token', 't1'], {})).toEqual({
      command: 'mcp',
      args: { url: DEFAULT_URL, token: 't1' },
    });
    expect(parseCommand(['mcp'], {})).toEqual({ command: 'mcp', args: { url: DEFAULT_URL } });
  });

  it('refuses an unknown command, flag or value', () => {
    expect(() => parseCommand(['taill'])).toThrow(/unknown command "taill"/);
    expect(() => parseCommand(['tail', '--port', '1'])).toThrow(/Unknown option '--port'/);
    expect(() => parseCommand(['tail', '--level', 'loud'])).toThrow(/--level must be one of/);
    expect(() => parseCommand(['mcp', '--url', 'ftp://x'])).toThrow(/--url must be an http/);
  });
});

describe('x-inbox subcommands (built)', () => {
  requireBuiltCli();

  it('lists the commands in --help, and each command has its own --help', () => {
    const top = run(['--help']);
    expect(top.status).toBe(0);
    for (const command of [
      'x-inbox [serve]',
      'x-inbox tail',
      'x-inbox mcp',
      'x-inbox erase-user',
    ]) {
      expect(top.stdout).toContain(command);
    }
    expect(top.stdout).toContain('--ui-auth TOKEN');
    const helps: Record<string, string[]> = {
      serve: ['Usage: x-inbox [serve] [options]', '--port N', '--forward DSN'],
      tail: [
        'Usage: x-inbox tail [options]',
        '--json',
        '--user KEY',
        '--transaction T',
        '--level L',
      ],
      mcp: ['Usage: x-inbox mcp [options]', '--url URL', '--token TOKEN', '@x/inbox-mcp'],
      'erase-user': ['Usage: x-inbox erase-user KEY [--db PATH]'],
    };
    for (const [command, wanted] of Object.entries(helps)) {
      const help = run([command, '--help']);
      expect(help.status, command).toBe(0);
      expect(help.stderr, command).toBe('');
      for (const text of wanted) expect(help.stdout, command).toContain(text);
    }
  });

  it('exits with 2 and one line on stderr for an unknown command or flag', () => {
    const cases: [string[], RegExp][] = [
      [['taill'], /^x-inbox: unknown command "taill" .*x-inbox --help\)$/],
      [['tail', '--nope'], /^x-inbox: Unknown option '--nope'.* \(see x-inbox tail --help\)$/],
      [['mcp', '--db', 'x'], /^x-inbox: Unknown option '--db'.*\(see x-inbox mcp --help\)$/],
      [['--nope'], /^x-inbox: Unknown option '--nope'.*\(see x-inbox --help\)$/],
    ];
    for (const [args, message] of cases) {
      const answer = run(args);
      expect(answer.status, args.join(' ')).toBe(2);
      expect(answer.stdout).toBe('');
      const lines = answer.stderr.trimEnd().split('\n');
      expect(lines, answer.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });

  it('x-inbox mcp without @x/inbox-mcp: one line saying how to add it, exit 1, nothing on stdout', () => {
    // Run from a folder without it either: found neither beside the bin nor from there.
    const answer = run(['mcp'], { cwd: tempDir(), bin: isolatedBin() });
    expect(answer.status, JSON.stringify(answer)).toBe(1);
    expect(answer.stdout).toBe('');
    expect(answer.stderr).toBe(
      'x-inbox: x-inbox mcp needs the @x/inbox-mcp package: npm install --save-dev @x/inbox-mcp\n',
    );
  });

  it('x-inbox mcp finds @x/inbox-mcp from the working directory and hands it --url and --token', () => {
    const cwd = tempDir();
    const pkg = join(cwd, 'node_modules', '@x', 'inbox-mcp');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@x/inbox-mcp', type: 'module', exports: { '.': './index.js' } }),
    );
    writeFileSync(
      join(pkg, 'index.js'),
      `export async function runMcpServer(options) {
        console.log('a stray log');
        process.stdout.write(JSON.stringify({ jsonrpc: '2.0', options }) + '\\n');
      }\n`,
    );
    const answer = run(['mcp', '--url', 'http://127.0.0.1:9/', '--token', 'tok-1'], {
      cwd,
      bin: isolatedBin(),
    });
    expect(answer.stderr).toBe('a stray log\n');
    expect(answer.status).toBe(0);
    expect(answer.stdout).toBe(
      `${JSON.stringify({ jsonrpc: '2.0', options: { url: 'http://127.0.0.1:9', token: 'tok-1' } })}\n`,
    );
  });

  it('loads the inbox, tail and mcp code only when their command runs', () => {
    const cli = readFileSync(BUILT_CLI, 'utf8');
    expect(cli.length).toBeLessThan(30_000);
    for (const heavy of [
      'string-width',
      'node:sqlite',
      'better-sqlite3',
      'maxmind',
      'CREATE TABLE',
    ]) {
      expect(cli).not.toContain(heavy);
    }
  });
});
