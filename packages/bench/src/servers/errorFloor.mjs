// The error path's floor: the least any SDK that reports errors with their user must do, without
// an SDK. Per request one AsyncLocalStorage.run; per escaped error: read the stack, turn each
// line into a frame (a frame is worked out once per stack line — parsed, its file's context
// lines read — and kept, as every SDK caches), put the request and the signed-in user beside it,
// serialize the event once and POST it as an envelope with undici's keep-alive Pool, with as
// many requests in flight as @x's transport allows (8, 32 while more than 50 wait).
// The event has what @x sends for the same request: the same frames with 7 context lines, the
// user with the IP, the request's method, URL, headers and address, release, environment,
// server name and the SDK's name.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const CONTEXT = 7;
const serverName = hostname();

const self = fileURLToPath(import.meta.url);
/** `in_app`: the app's own files (not a dependency's, not Node's, not this "SDK"'s). */
const inApp = (file) =>
  !file.includes('/node_modules/') && !file.startsWith('node:') && file !== self;

/** The lines of every file a frame pointed into (read once). */
const files = new Map();
function linesOf(path) {
  let lines = files.get(path);
  if (lines === undefined) {
    try {
      lines = readFileSync(path, 'utf8').split('\n');
    } catch {
      lines = null;
    }
    files.set(path, lines);
  }
  return lines;
}

/** One V8 stack line (`    at fn (file:line:col)`) as a Sentry frame, or undefined. */
function frameOf(line) {
  const match = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
  if (!match) return undefined;
  const [, fn, location, lineno, colno] = match;
  const path = location.startsWith('file://') ? location.slice(7) : location;
  const frame = {
    filename: path.startsWith('/') && inApp(path) ? path.slice(path.lastIndexOf('/') + 1) : path,
    function: fn ?? '?',
    in_app: inApp(path),
    abs_path: path,
    lineno: Number(lineno),
    colno: Number(colno),
  };
  const lines = frame.in_app && path.startsWith('/') ? linesOf(path) : null;
  if (lines) {
    const at = frame.lineno - 1;
    frame.pre_context = lines.slice(Math.max(0, at - CONTEXT), at);
    frame.context_line = lines[at];
    frame.post_context = lines.slice(at + 1, at + 1 + CONTEXT);
  }
  return frame;
}

// Stack line → frame, worked out once.
const frames = new Map();
function framesOf(stack) {
  const out = [];
  const lines = stack.split('\n');
  for (let i = lines.length - 1; i > 0; i--) {
    let frame = frames.get(lines[i]);
    if (frame === undefined) {
      frame = frameOf(lines[i]) ?? null;
      frames.set(lines[i], frame);
    }
    if (frame) out.push(frame);
  }
  return out;
}

/** The event of `error` in `request` (`{ method, url, headers, ip, user, transaction? }`). */
function eventOf(eventId, error, request, sdkName) {
  return {
    event_id: eventId,
    level: 'error',
    exception: {
      values: [
        {
          type: error.name,
          value: error.message,
          stacktrace: { frames: framesOf(error.stack) },
          mechanism: { type: 'floor', handled: false },
        },
      ],
    },
    platform: 'node',
    environment: 'production',
    release: 'bench@1',
    server_name: serverName,
    timestamp: Date.now() / 1000,
    user: request.user && { ...request.user, ip_address: request.ip },
    request: {
      method: request.method,
      url: request.url,
      headers: request.headers,
      env: { REMOTE_ADDR: request.ip },
    },
    transaction: request.transaction,
    sdk: { name: sdkName, version: '0.0.0' },
  };
}

/**
 * POSTs envelope bodies to `dsn` with undici's keep-alive Pool, as many in flight as @x's
 * transport allows (8; 32 while more than 50 wait): `send(body)`, and `flush()`, which resolves
 * once nothing waits or is in flight.
 */
function sender(dsn, sdkName) {
  const url = new URL(dsn);
  const pool = new Pool(url.origin, { connections: 64 });
  const path = `/api/${url.pathname.slice(1)}/envelope/`;
  const headers = {
    'content-type': 'application/x-sentry-envelope',
    'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${url.username}, sentry_client=${sdkName}/0.0.0`,
  };
  const queue = [];
  let inFlight = 0;
  let idle;
  const pump = () => {
    while (queue.length > 0 && inFlight < (queue.length > 50 ? 32 : 8)) {
      const body = queue.shift();
      inFlight++;
      pool
        .request({ path, method: 'POST', headers, body })
        .then((answer) => answer.body.dump())
        .catch(() => {})
        .finally(() => {
          inFlight--;
          pump();
        });
    }
    if (queue.length === 0 && inFlight === 0) idle?.();
  };
  return {
    send(body) {
      queue.push(body);
      pump();
    },
    flush: () =>
      new Promise((resolve) => {
        idle = () => resolve(true);
        pump();
      }),
  };
}

/**
 * The floor for a server reporting to `dsn`: `run(next)` runs the request in its own
 * AsyncLocalStorage context; `report(error, request)` sends one event (`request`: `{ method,
 * url, headers, ip, user, transaction? }`); `koa()` is both as a Koa middleware; `flush()`
 * resolves once nothing waits or is in flight.
 */
export function errorFloor(dsn, sdkName) {
  const als = new AsyncLocalStorage();
  const { send, flush } = sender(dsn, sdkName);

  function report(error, request) {
    const eventId = randomUUID().replaceAll('-', '');
    const payload = JSON.stringify(eventOf(eventId, error, request, sdkName));
    send(
      `{"event_id":"${eventId}","sent_at":"${new Date().toISOString()}","dsn":"${dsn}"}\n{"type":"event","length":${Buffer.byteLength(payload)}}\n${payload}`,
    );
  }

  return {
    run: (next) => als.run({}, next),
    report,
    /** A Koa middleware: the request in its own context; escaped errors (status ≥ 500) reported. */
    koa: () => (ctx, next) =>
      als.run({}, async () => {
        try {
          await next();
        } catch (error) {
          if ((error.status ?? 500) >= 500) {
            const { method, href: url, headers, ip, state } = ctx;
            report(error, { method, url, headers, ip, user: state.user });
          }
          throw error;
        }
      }),
    flush,
  };
}
