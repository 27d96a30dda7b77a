// A local Sentry-compatible sink that only counts: every envelope POSTed to it is answered 200
// and its `event` items counted, so the error path can check how many events reached a backend.
import { createServer } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';

/** Counts the `event` items of one envelope body. */
export function countEvents(body) {
  const lines = body.toString('utf8').split('\n');
  let events = 0;
  // Line 0 is the envelope header; then item header, payload, item header, payload, …
  for (let i = 1; i < lines.length; i += 2) {
    try {
      if (JSON.parse(lines[i]).type === 'event') events++;
    } catch {
      // not an item header: ignore the rest of a malformed envelope
      break;
    }
  }
  return events;
}

/** Counts the `event` items of one envelope whose payload carries a user with an `id`. */
export function countEventsWithUser(body) {
  const lines = body.toString('utf8').split('\n');
  let withUser = 0;
  for (let i = 1; i + 1 < lines.length; i += 2) {
    try {
      if (JSON.parse(lines[i]).type !== 'event') continue;
      if (JSON.parse(lines[i + 1]).user?.id !== undefined) withUser++;
    } catch {
      break;
    }
  }
  return withUser;
}

/**
 * The error events an SDK reports it dropped, from the `client_report` items of one envelope
 * (`discarded_events` of category `error`).
 */
export function countDropped(body) {
  const lines = body.toString('utf8').split('\n');
  let dropped = 0;
  for (let i = 1; i + 1 < lines.length; i += 2) {
    try {
      if (JSON.parse(lines[i]).type !== 'client_report') continue;
      for (const entry of JSON.parse(lines[i + 1]).discarded_events ?? []) {
        if (entry.category === 'error') dropped += Number(entry.quantity) || 0;
      }
    } catch {
      break;
    }
  }
  return dropped;
}

/**
 * Starts the sink on a free loopback port; `dsn` is what the SDKs are given. With
 * `countUsers(true)` it also counts the events that carry a user (`withUser`).
 */
export async function startSink() {
  let countUsers = false;
  const state = { events: 0, withUser: 0, dropped: 0, envelopes: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      try {
        if (encoding === 'gzip') body = gunzipSync(body);
        else if (encoding === 'deflate') body = inflateSync(body);
        state.envelopes++;
        state.events += countEvents(body);
        if (countUsers) state.withUser += countEventsWithUser(body);
        state.dropped += countDropped(body);
      } catch {
        // counted as not received
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    dsn: `http://benchkey@127.0.0.1:${port}/1`,
    get events() {
      return state.events;
    },
    /** Events received with a user (`user.id`) while `countUsers` was on, since `reset`. */
    get withUser() {
      return state.withUser;
    },
    /** Whether to count the events received with a user (reads every event's payload). */
    countUsers(on) {
      countUsers = on;
    },
    /** Error events the SDK reported as dropped (client reports). */
    get dropped() {
      return state.dropped;
    },
    reset() {
      state.withUser = 0;
      state.events = 0;
      state.dropped = 0;
      state.envelopes = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A DSN whose port nothing listens on (the "sink is down" case). */
export async function deadDsn() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://benchkey@127.0.0.1:${port}/1`;
}
