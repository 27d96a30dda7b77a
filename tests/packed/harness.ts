// Real processes and real HTTP for the packed-install test: commands with a deadline, servers on
// free ports, and the inbox's JSON API read back until an event arrives.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** What a finished command printed. */
export interface RunResult {
  code: number | null;
  output: string;
  ms: number;
}

/** The last `lines` lines of a text (for failure messages). */
export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Runs a command to its end (or its deadline, then SIGKILL); never throws. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      output += `\n${String(error)}`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** Runs a command and throws with its output unless it exits 0. */
export async function runOk(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${[command, ...args].join(' ')} exited ${result.code} (in ${options.cwd}):\n${tail(result.output)}`,
    );
  }
  return result;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A long-running child process and everything it printed. */
export interface Server {
  name: string;
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output: () => string;
  /** stderr alone. */
  errors: () => string;
  stop(): Promise<void>;
}

const servers = new Set<Server>();

/** Starts a server process; `stop()` sends SIGTERM, then SIGKILL after 5 s. */
export function startServer(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Server {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    errors += chunk.toString();
  });
  const server: Server = {
    name,
    child,
    output: () => output,
    errors: () => errors,
    stop: () =>
      new Promise<void>((resolve) => {
        servers.delete(server);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  servers.add(server);
  return server;
}

/** Stops every server still running (afterAll). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...servers].map((server) => server.stop()));
}

/** Thrown by a `poll` check to stop polling at once (e.g. the server process exited). */
export class StopPolling extends Error {}

/**
 * Polls `check` until it returns a value other than `undefined`, or throws at the deadline; a
 * `StopPolling` error ends it at once.
 */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof StopPolling) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(lastError)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until `url` answers HTTP at all (any status), or the process exits, or the deadline. */
export async function waitForHttp(server: Server, url: string, timeoutMs: number): Promise<void> {
  await poll(
    `${server.name} to answer on ${url}`,
    async () => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        const how = server.child.exitCode ?? server.child.signalCode;
        throw new StopPolling(`${server.name} exited (${how}) before it answered on ${url}`);
      }
      try {
        await fetch(url, { signal: AbortSignal.timeout(2000) });
        return true;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- ${server.name} output ---\n${tail(server.output())}`);
  });
}

/** A stored event as the inbox's `GET /api/events/:id` returns it (the parts the test reads). */
export interface StoredEvent {
  event_id?: string;
  release?: string;
  platform?: string;
  user?: Record<string, unknown>;
  sdk?: { name?: string; version?: string };
  request?: Record<string, unknown>;
  exception?: { values?: { type?: string; value?: string }[] };
  logentry?: { formatted?: string; message?: string };
  [key: string]: unknown;
}

/** Reads the inbox's events; remembers the ones it fetched already. */
export class InboxReader {
  private readonly events = new Map<string, StoredEvent>();

  constructor(readonly url: string) {}

  /** Every stored event (full form), newest pages first. */
  async all(): Promise<StoredEvent[]> {
    const page = (await (await fetch(`${this.url}/api/events?limit=1000`)).json()) as {
      data: { id: string }[];
    };
    for (const { id } of page.data) {
      if (this.events.has(id)) continue;
      const detail = (await (await fetch(`${this.url}/api/events/${id}`)).json()) as {
        event: StoredEvent;
      };
      this.events.set(id, detail.event);
    }
    return [...this.events.values()];
  }

  /** The first stored event `match` accepts, polled until the deadline. */
  waitFor(what: string, match: (event: StoredEvent) => boolean, timeoutMs = 30_000) {
    return poll(
      `the inbox to store ${what}`,
      async () => (await this.all()).find(match),
      timeoutMs,
    );
  }
}

/** The lines of `text` that contain `needle`. */
export function linesWith(text: string, needle: string): string[] {
  return text.split('\n').filter((line) => line.includes(needle));
}

/** Whether an event belongs to the request that carried `marker` in its URL. */
export function fromRequest(marker: string): (event: StoredEvent) => boolean {
  return (event) => JSON.stringify(event.request ?? {}).includes(marker);
}
