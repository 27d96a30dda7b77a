// Per-message cost on a Nest socket.io gateway (servers/nestGateway.mjs), bare vs @x: a fresh
// server per trial, CONNECTIONS socket.io clients in this process (the runner's CPU, not the
// server's), each sending `hello` with an ack and the next one as soon as the ack arrives, for the
// trial's duration. Server CPU per message is read over IPC, as on the request path.
import { io } from 'socket.io-client';
import { startServer } from './lib/server.mjs';

/**
 * The variants measured, interleaved per round; the first is the baseline, the last (`aa`, the
 * bare gateway again) the A/A row: what the machine's noise alone moves.
 */
export const GATEWAY_VARIANTS = ['bare', 'x', 'aa'];
const CONNECTIONS = 50;

/** One socket.io connection over WebSocket only (no long-polling upgrade), signed in as `token`. */
function connect(url, token) {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/**
 * Keeps one `hello` in flight per socket until `ms` have passed. Resolves once every socket's
 * last ack is back: `{ acks, wrong }`, the answers and those without the connection's user.
 */
function pump(sockets, ms) {
  const deadline = performance.now() + ms;
  let acks = 0;
  let wrong = 0;
  return new Promise((resolve, reject) => {
    let open = sockets.length;
    const timer = setTimeout(() => reject(new Error('gateway: acks missing')), ms + 15_000);
    const send = (socket, username) =>
      socket.emit('hello', (user) => {
        acks++;
        if (user?.username !== username) wrong++;
        if (performance.now() < deadline) send(socket, username);
        else if (--open === 0) {
          clearTimeout(timer);
          resolve({ acks, wrong });
        }
      });
    for (const [i, socket] of sockets.entries()) send(socket, `user${i % 100}`);
  });
}

/** One trial: start, connect, warm up, measure; `{ connections, messages, mps, cpuUs, cpuShare }`. */
export async function gatewayTrial({ sink, variant, warmSeconds, seconds, node }) {
  sink.reset();
  const server = await startServer({
    framework: 'nest-gateway',
    variant,
    mode: 'hello',
    dsn: sink.dsn,
    node,
  });
  const sockets = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++)
      sockets.push(await connect(server.url, `token-${i % 100}`));
    await pump(sockets, warmSeconds * 1000);
    const before = await server.request('cpu');
    const started = performance.now();
    const { acks, wrong } = await pump(sockets, seconds * 1000);
    const elapsed = (performance.now() - started) / 1000;
    const usedUs = (await server.request('cpu')).us - before.us;
    if (wrong > 0)
      throw new Error(`gateway/${variant}: ${wrong} of ${acks} answers without the user`);
    // cpuShare near 1: the server's core was the limit, not the clients'.
    return {
      connections: CONNECTIONS,
      messages: acks,
      mps: acks / elapsed,
      cpuUs: usedUs / acks,
      cpuShare: usedUs / 1e6 / elapsed,
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
}

/**
 * `rounds` interleaved rounds of the gateway variants. One row per trial, with ratios x / bare
 * of the same round: `mpsRatio` (messages/s) and `cpuUsRatio` (server CPU µs per message).
 */
export async function runGateway({ sink, rounds, warmSeconds, seconds, log, node }) {
  const rows = [];
  for (let round = 1; round <= rounds; round++) {
    let base;
    for (const variant of GATEWAY_VARIANTS) {
      const result = await gatewayTrial({ sink, variant, warmSeconds, seconds, node });
      base ??= result;
      const row = {
        variant,
        round,
        ...result,
        mpsRatio: result.mps / base.mps,
        cpuUsRatio: result.cpuUs / base.cpuUs,
      };
      rows.push(row);
      log(
        `  round ${round} gateway/${variant.padEnd(5)} ${row.mps.toFixed(0).padStart(6)} msg/s  ×${row.mpsRatio.toFixed(2)}  ${row.cpuUs.toFixed(1)} µs CPU/msg (server core ${(100 * row.cpuShare).toFixed(0)} % busy)`,
      );
    }
  }
  return rows;
}
