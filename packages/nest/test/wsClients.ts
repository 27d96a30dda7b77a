// Clients of the test gateway that record everything they receive, step by step: acks, events
// ('exception' included), frames, disconnects and close codes.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { io, type Socket } from 'socket.io-client';
import type { WsPlatform } from './wsApp.js';

/** The part of the `ws` package's WebSocket the tests use (`ws` ships no types). */
export interface RawWebSocket {
  readyState: number;
  send(data: string | Buffer, callback?: (error?: Error) => void): void;
  close(): void;
  terminate(): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
const { WebSocket } = createRequire(import.meta.url)('ws') as {
  WebSocket: new (url: string) => RawWebSocket;
};

/** What the SDK's user looked like in answers, moved out of the transcript (it differs by design). */
export type SdkUsers = unknown[];

/** Large payloads as their size and hash; `sdk` fields moved to `sdkUsers`. */
function recordable(value: unknown, sdkUsers: SdkUsers): unknown {
  const text = JSON.stringify(value ?? null);
  if (text.length > 10_000) {
    return { bytes: text.length, sha256: createHash('sha256').update(text).digest('hex') };
  }
  return JSON.parse(text, (key, inner: unknown) => {
    if (key !== 'sdk') return inner;
    sdkUsers.push(inner);
    return '<sdk>';
  });
}

/** One connection's record: what arrived during each step, in a canonical order. */
export interface Session {
  /** Sends a message (socket.io: event and args, with an ack; `ws`: a raw frame). */
  send(...message: unknown[]): void;
  /** Ends the step: waits until the gateway answered a fence (or the connection closed). */
  step(): Promise<void>;
  /** socket.io only: writes an engine.io message as is (a malformed socket.io packet). */
  raw(packet: string): void;
  /** Whether the connection is gone. */
  closed(): boolean;
  /** Closes the connection; the steps' records, each sorted. */
  end(): Promise<unknown[][]>;
  sdkUsers: SdkUsers;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `done()` to hold, at most `ms`. */
export async function until(done: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await pause(10);
  return done();
}

function recorder(sendFence: () => void, isClosed: () => boolean) {
  const sdkUsers: SdkUsers = [];
  const steps: unknown[][] = [[]];
  let fences = 0;
  return {
    sdkUsers,
    record(entry: unknown[]) {
      if (entry[0] === 'fence') fences++;
      else steps.at(-1)?.push(recordable(entry, sdkUsers));
    },
    async step() {
      const seen = fences;
      if (!isClosed()) sendFence();
      await until(() => fences > seen || isClosed());
      // Late answers (none expected) would show up in this step.
      await pause(50);
      steps.push([]);
    },
    steps: () => steps.map((entries) => entries.map((e) => JSON.stringify(e)).sort()),
  };
}

/** A socket.io connection of `token`'s user; resolves once connected (or refused). */
export async function ioSession(url: string, token: string | undefined): Promise<Session> {
  const socket: Socket = io(url, {
    transports: ['websocket'],
    auth: token ? { token } : {},
    reconnection: false,
    forceNew: true,
  });
  let closed = false;
  const rec = recorder(
    () => socket.emit('fence', () => rec.record(['fence'])),
    () => closed,
  );
  socket.onAny((event: string, ...args: unknown[]) => rec.record(['event', event, args]));
  socket.on('disconnect', (reason) => {
    closed = true;
    rec.record(['disconnect', reason]);
  });
  socket.on('connect_error', (error) => {
    closed = true;
    rec.record(['connect_error', error.message]);
  });
  await until(() => socket.connected || closed);
  return {
    sdkUsers: rec.sdkUsers,
    send: (event, ...args) =>
      socket.emit(String(event), ...args, (...answer: unknown[]) =>
        rec.record(['ack', event, answer]),
      ),
    raw: (packet) => socket.io.engine.write(packet),
    step: () => rec.step(),
    closed: () => closed,
    async end() {
      socket.close();
      return rec.steps();
    },
  };
}

/** A `ws` connection of `token`'s user (token in the URL's query); resolves once open or closed. */
export async function wsSession(url: string, token: string | undefined): Promise<Session> {
  const socket = new WebSocket(token ? `${url}?token=${encodeURIComponent(token)}` : url);
  let closed = false;
  const rec = recorder(
    () => socket.send(JSON.stringify({ event: 'fence' })),
    () => closed,
  );
  socket.on('message', (data, isBinary) => {
    const text = data.toString();
    const parsed = isBinary ? undefined : (JSON.parse(text) as { event?: string });
    rec.record(parsed?.event === 'fence' ? ['fence'] : ['message', parsed ?? text]);
  });
  socket.on('close', (code) => {
    closed = true;
    rec.record(['close', code]);
  });
  socket.on('error', (error) => rec.record(['error', error.message]));
  await until(() => socket.readyState === 1 || closed);
  return {
    sdkUsers: rec.sdkUsers,
    send: (frame) => socket.send(frame as string | Buffer),
    raw: (packet) => socket.send(packet),
    step: () => rec.step(),
    closed: () => closed,
    async end() {
      socket.close();
      return rec.steps();
    },
  };
}

/** A session on `platform`. */
export const session = (platform: WsPlatform, url: string, token: string | undefined) =>
  platform === 'ws' ? wsSession(url, token) : ioSession(url, token);

/** A `ws` frame of `event` with `data`, as the `ws` adapter expects it. */
export const frame = (event: string, data?: unknown) => JSON.stringify({ event, data });
