// `x-inbox tail` as a real child process (the built bin) against a real inbox: one line per event
// ingested while it runs, by several overlapping senders, across cut connections and a restart of
// the inbox; its user filter; human lines that fit 100 columns; a clean exit on Ctrl-C and on a
// closed pipe.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSummary, Page } from '../src/index';
import { streamOf } from '../src/stream';
import { BUILT_CLI, requireBuiltCli } from './builtCli';
import { eventEnvelope, get, newEventId, post, startTestInbox, type TestInbox } from './helpers';

/** A running `x-inbox tail`: its stdout lines and stderr so far. */
interface Tail {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr(): string;
  /** Resolves once stderr matches `pattern` (fails after 15 s). */
  waitForStderr(pattern: RegExp, count?: number): Promise<void>;
  /** Resolves once stdout has `count` lines, or after `timeoutMs`. */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  exited: Promise<number | null>;
}

const running: Tail[] = [];
let inbox: TestInbox | undefined;
afterEach(async () => {
  for (const t of running.splice(0)) if (t.child.exitCode === null) t.child.kill('SIGKILL');
  await inbox?.dispose();
  inbox = undefined;
});

function startTail(args: string[]): Tail {
  const child = spawn(process.execPath, [BUILT_CLI, 'tail', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, X_INBOX_TOKEN: '' },
  });
  let out = '';
  let err = '';
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const tail: Tail = {
    child,
    lines,
    stderr: () => err,
    async waitForStderr(pattern, count = 1) {
      const deadline = Date.now() + 15_000;
      while ((err.match(new RegExp(pattern, 'g')) ?? []).length < count) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on stderr: ${err}`);
        await sleep(20);
      }
    },
    async waitForLines(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < count && Date.now() < deadline) await sleep(20);
      return lines;
    },
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  running.push(tail);
  return tail;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(box: TestInbox, event: Record<string, unknown> = {}): Promise<string> {
  const id = newEventId();
  const answer = await post(box, eventEnvelope({ event_id: id, message: 'tail', ...event }));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return id;
}

/** Several senders at once, each `count` events with random pauses. */
async function sendConcurrently(box: TestInbox, senders: number, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      for (let i = 0; i < count; i++) {
        await send(box, { message: `sender ${s} event ${i}`, user: { id: `u-${s}` } });
        if (Math.random() < 0.3) await sleep(Math.random() * 8);
      }
    }),
  );
}

async function storedIds(box: TestInbox): Promise<string[]> {
  const page = await get<Page<EventSummary>>(box, '/api/events?limit=1000');
  return page.data.map((event) => event.id).reverse();
}

/** The ids of `--json` lines, checking each line is one JSON object. */
function idsOf(lines: string[]): string[] {
  return lines.map((line) => {
    const event = JSON.parse(line) as { id: string; seq: number };
    expect(typeof event.seq).toBe('number');
    return event.id;
  });
}

describe('x-inbox tail (built)', () => {
  requireBuiltCli();

  it('--json prints exactly one line per event ingested by overlapping senders, across cut connections', async () => {
    inbox = await startTestInbox({ geo: false });
    await send(inbox, { message: 'before tail started' });
    const tail = startTail(['--json', '--url', inbox.url]);
    await tail.waitForStderr(/following/);
    const box = inbox;
    const cuts = (async () => {
      for (let i = 0; i < 2; i++) {
        await sleep(60 + Math.random() * 60);
        streamOf(box.router)?.disconnectAll();
      }
    })();
    await Promise.all([sendConcurrently(box, 5, 40), cuts]);
    const ids = (await storedIds(box)).slice(1);
    expect(ids).toHaveLength(200);
    const lines = await tail.waitForLines(ids.length);
    await sleep(300); // nothing more may come
    expect(idsOf(lines)).toEqual(ids);
    expect(tail.stderr()).toMatch(/resumed after #\d+/);
  });

  it('resumes after the inbox restarts on the same port and database, missing and repeating nothing', async () => {
    const first = await startTestInbox({ geo: false });
    const tail = startTail(['--json', '--url', first.url]);
    await tail.waitForStderr(/following/);
    await sendConcurrently(first, 3, 5);
    await tail.waitForLines(15);
    await first.close();
    await sleep(100); // the test's own keep-alive connections notice the close
    inbox = await startTestInbox({ geo: false, port: first.port }, first.dir);
    // Sent before tail is back: they come from the database when it reconnects.
    await sendConcurrently(inbox, 3, 5);
    await tail.waitForStderr(/resumed after #/);
    await sendConcurrently(inbox, 3, 5);
    const ids = await storedIds(inbox);
    expect(ids).toHaveLength(45);
    const lines = await tail.waitForLines(45);
    await sleep(300);
    expect(idsOf(lines)).toEqual(ids);
  });

  it('--user prints only that user’s events', async () => {
    inbox = await startTestInbox({ geo: false });
    const tail = startTail(['--json', '--url', inbox.url, '--user', 'id:u-alice']);
    await tail.waitForStderr(/following/);
    const alice: string[] = [];
    for (let i = 0; i < 12; i++) {
      const user = i % 3 === 0 ? { id: 'u-alice' } : { id: `u-other-${i}` };
      const id = await send(inbox, { user });
      if (user.id === 'u-alice') alice.push(id);
    }
    alice.push(await send(inbox, { user: { id: 'u-alice' }, message: 'last' }));
    const lines = await tail.waitForLines(alice.length);
    await sleep(300);
    expect(idsOf(lines)).toEqual(alice);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ user_key: 'id:u-alice' });
  });

  it('sends --token as the API token; without it, one line and exit code 1', async () => {
    inbox = await startTestInbox({ geo: false, uiAuth: 'tail-token-1' });
    const refused = startTail(['--url', inbox.url]);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toBe(
      'x-inbox: the inbox needs its UI/API token: --token TOKEN (or X_INBOX_TOKEN)\n',
    );
    const tail = startTail(['--json', '--url', inbox.url, '--token', 'tail-token-1']);
    await tail.waitForStderr(/following/);
    const id = await send(inbox);
    expect(idsOf(await tail.waitForLines(1))).toEqual([id]);
  });

  it('prints readable lines that fit 100 columns, wide characters and emoji included', async () => {
    inbox = await startTestInbox({ geo: false });
    const tail = startTail(['--url', inbox.url]);
    await tail.waitForStderr(/following/);
    const events = [
      { message: 'short', user: { id: 'u-1', username: 'ann' }, release: 'app@1.2.3' },
      {
        message: `表示幅のテスト🎉👩‍💻 ${'漢字と絵文字😀'.repeat(12)}`,
        user: { id: 'u-2', username: `ユーザー🙂${'名前'.repeat(20)}` },
        transaction: `GET /${'路由'.repeat(30)}`,
        release: `リリース@${'9'.repeat(40)}`,
      },
      { message: `tab\there \u001b[31mred\u001b[0m\u202e ${'x'.repeat(150)}`, level: 'warning' },
      { message: '👩‍👩‍👧‍👦🎉🎉'.repeat(12), user: { id: 'u-4', username: '🙂'.repeat(40) } },
    ];
    for (const event of events) await send(inbox, event);
    const lines = await tail.waitForLines(events.length);
    expect(lines).toHaveLength(events.length);
    for (const line of lines) {
      expect(stringWidth(line), line).toBeLessThanOrEqual(100);
      expect(line).toMatch(/^\d\d:\d\d:\d\d (error|warning) /);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: none may reach the terminal
      expect(line).not.toMatch(/[\u0000-\u001f]/);
    }
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d error {3}short {2}ann {2}app@1\.2\.3$/);
    expect(lines[1]).toContain('表示幅のテスト🎉👩‍💻');
    expect(lines[1]).toContain('ユーザー🙂');
    expect(lines[1]).toContain('…');
    // Cut between graphemes, never inside a family emoji.
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d error {3}(👩‍👩‍👧‍👦|🎉)+… {2}🙂{11}…$/u);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d warning tab here \[31mred \[0m x+…$/);
  });

  it('exits with 0 and no stack trace on Ctrl-C (SIGINT)', async () => {
    inbox = await startTestInbox({ geo: false });
    const tail = startTail(['--url', inbox.url]);
    await tail.waitForStderr(/following/);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(tail.stderr()).not.toMatch(/Error|\bat /);
  });

  it('exits with 0 and no stack trace when its stdout pipe closes (as in | head -1)', async () => {
    inbox = await startTestInbox({ geo: false });
    const tail = startTail(['--json', '--url', inbox.url]);
    await tail.waitForStderr(/following/);
    const first = await send(inbox);
    await tail.waitForLines(1);
    // What head does after its first line: close the reading end of the pipe.
    tail.child.stdout.destroy();
    // The next line tail writes meets the closed pipe (EPIPE).
    for (let i = 0; i < 50 && tail.child.exitCode === null; i++) {
      await send(inbox);
      await sleep(50);
    }
    expect(await tail.exited).toBe(0);
    expect(tail.stderr()).not.toMatch(/Error|\bat /);
    expect(idsOf(tail.lines.slice(0, 1))).toEqual([first]);
  });

  it('exits with 0 and no stack trace in a real `x-inbox tail | head -1`', async () => {
    inbox = await startTestInbox({ geo: false });
    const script = `"${process.execPath}" "${BUILT_CLI}" tail --json --url ${inbox.url} | head -1; echo "tail exited \${PIPESTATUS[0]}" >&2`;
    // Its own process group, so that the pipeline is killed whole if the test fails.
    const shell = spawn('bash', ['-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, X_INBOX_TOKEN: '' },
    });
    let out = '';
    let err = '';
    shell.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    shell.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    try {
      const deadline = Date.now() + 15_000;
      while (!err.includes('following') && Date.now() < deadline) await sleep(20);
      const first = await send(inbox);
      // head exits after the first line; a later line meets the closed pipe.
      for (let i = 0; i < 50 && !err.includes('tail exited'); i++) {
        await sleep(50);
        await send(inbox);
      }
      expect(await exited).toBe(0);
      expect(err).toContain('tail exited 0');
      expect(err).not.toMatch(/Error|\bat /);
      expect(idsOf(out.trim().split('\n'))).toEqual([first]);
    } finally {
      if (shell.exitCode === null && shell.pid) process.kill(-shell.pid, 'SIGKILL');
    }
  });
});
