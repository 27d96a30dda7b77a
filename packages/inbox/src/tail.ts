import { once } from 'node:events';
import type { TailArgs } from './cliArgs';
import type { StreamEvent } from './streamQueries';
import { tailLine } from './tailLine';

/** One server-sent event as parsed: its `id`, `event` type and `data`. */
export interface SseMessage {
  /** The `id:` field (the sequence number on `/api/stream`), if the message had one. */
  id: string | undefined;
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines, joined with line breaks. */
  data: string;
}

/**
 * A server-sent events parser (the text/event-stream format): feed it text as it arrives, get the
 * complete messages. Comments (heartbeats) count as activity but produce no message.
 */
export class SseParser {
  private buffer = '';
  private id: string | undefined;
  private event = '';
  private data: string[] = [];

  /** Parses `text` (any split of the stream) and returns the messages it completed. */
  push(text: string): SseMessage[] {
    this.buffer += text;
    const out: SseMessage[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line, out);
      newline = this.buffer.indexOf('\n');
    }
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.id !== undefined || this.data.length > 0) {
        out.push({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
      }
      this.id = undefined;
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.id = value;
    else if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/** A failure that retrying cannot fix (a refused token, no stream endpoint): `tail` stops. */
class FatalError extends Error {}

/** Reconnection delays: doubling from the first to the last, with jitter. */
const BACKOFF_MS = { first: 250, max: 5000 } as const;
/** Nothing at all (not even a heartbeat) for this long: the connection is presumed dead. */
const SILENCE_MS = 45_000;

/**
 * `x-inbox tail`: follows `GET /api/stream` and prints each event, as a line or as JSON. It
 * starts at the newest stored event; when the connection drops it reconnects with backoff and
 * resumes after the last sequence number it saw, so nothing is missed or printed twice. Ctrl-C
 * and a closed stdout (`| head -1`) end it with exit code 0.
 */
export async function tail(args: TailArgs): Promise<void> {
  const stop = new AbortController();
  const quit = () => {
    stop.abort();
    process.exit(0);
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') quit();
    console.error(`x-inbox tail: cannot write to stdout: ${error.message}`);
    process.exit(1);
  });
  const state: FollowState = { cursor: undefined, connected: false, failures: 0 };
  for (;;) {
    try {
      await follow(args, state, stop.signal);
    } catch (error) {
      if (error instanceof FatalError) throw error;
      if (state.failures === 0) {
        console.error(
          state.connected
            ? `x-inbox tail: connection lost (${describe(error)}); reconnecting…`
            : `x-inbox tail: cannot reach ${args.url} (${describe(error)}); retrying…`,
        );
      }
    }
    if (stop.signal.aborted) return;
    state.failures++;
    const delay = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** (state.failures - 1));
    await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
  }
}

/** Where `tail` is: the last sequence number seen, and whether a connection ever succeeded. */
interface FollowState {
  cursor: number | undefined;
  connected: boolean;
  /** Failed attempts in a row (0 while connected). */
  failures: number;
}

/** One connection: opens the stream after `state.cursor` and prints until it ends. */
async function follow(args: TailArgs, state: FollowState, signal: AbortSignal): Promise<void> {
  const watchdog = new AbortController();
  const cancel = () => watchdog.abort();
  signal.addEventListener('abort', cancel, { once: true });
  let timer = setTimeout(() => watchdog.abort(), SILENCE_MS);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => watchdog.abort(), SILENCE_MS);
  };
  try {
    const response = await fetch(streamUrl(args, state.cursor), {
      headers: {
        Accept: 'text/event-stream',
        ...(args.token === undefined ? {} : { Authorization: `Bearer ${args.token}` }),
      },
      signal: watchdog.signal,
    });
    if (!response.ok || !response.body) await refuse(response);
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      throw new FatalError(
        `${args.url} answered /api/stream with no event stream: is it an x-inbox?`,
      );
    }
    console.error(
      state.connected
        ? `x-inbox tail: resumed after #${state.cursor ?? 0}`
        : `x-inbox tail: following ${args.url} (Ctrl-C to stop)`,
    );
    state.connected = true;
    state.failures = 0;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      alive();
      for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
        await handle(message, args, state);
      }
    }
    throw new Error('the inbox closed the stream');
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', cancel);
    watchdog.abort();
  }
}

/** The stream's URL: the filters, and `after` once a sequence number is known. */
function streamUrl(args: TailArgs, cursor: number | undefined): string {
  const url = new URL(`${args.url}/api/stream`);
  if (cursor !== undefined) url.searchParams.set('after', String(cursor));
  if (args.user !== undefined) url.searchParams.set('user', args.user);
  if (args.transaction !== undefined) url.searchParams.set('transaction', args.transaction);
  if (args.level !== undefined) url.searchParams.set('level', args.level);
  return url.href;
}

/** Prints one message's event and moves the cursor past it (a `ready` message only moves it). */
async function handle(message: SseMessage, args: TailArgs, state: FollowState): Promise<void> {
  const seq = message.id === undefined ? Number.NaN : Number(message.id);
  if (message.event === 'message') {
    const event = JSON.parse(message.data) as StreamEvent;
    const line = args.json ? JSON.stringify(event) : tailLine(event);
    if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
  }
  if (Number.isSafeInteger(seq)) state.cursor = seq;
}

/** Throws for an answer that is not the stream: fatal for 4xx (retrying will not help). */
async function refuse(response: Response): Promise<never> {
  const text = await response.text().catch(() => '');
  let detail = text.slice(0, 200);
  try {
    detail = String((JSON.parse(text) as { detail?: unknown }).detail ?? detail);
  } catch {
    // not JSON: the text as it is
  }
  if (response.status === 401) {
    throw new FatalError('the inbox needs its UI/API token: --token TOKEN (or X_INBOX_TOKEN)');
  }
  if (response.status === 404) {
    throw new FatalError('this inbox has no event stream (/api/stream): update @x/inbox');
  }
  const message = `the inbox answered ${response.status}${detail ? `: ${detail}` : ''}`;
  throw response.status < 500 ? new FatalError(message) : new Error(message);
}

/** A connection failure in a few words. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.message ? `${cause.code}: ${cause.message}` : cause.code;
  if (error instanceof Error && error.name === 'AbortError') return 'no data for 45 s';
  return error instanceof Error ? error.message : String(error);
}
