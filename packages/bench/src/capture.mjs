// captureException cost per event, in-process: `node capture.mjs x|sentry N` runs a warm-up and
// one measured round of N captures (in batches of 500) — each in its own isolation scope with a user and request
// data, as an adapter sets them per request — through to envelope bytes handed to a transport
// that only counts. Prints one JSON line. The runner alternates x and sentry processes.
const [sdk = 'x', countArg = '20000'] = process.argv.slice(2);
const N = Number(countArg);
const BATCH = 500;
let bytes = 0;
let envelopes = 0;
const count = (length) => {
  bytes += length;
  envelopes++;
};
const request = {
  method: 'GET',
  url: 'http://127.0.0.1/x?y=1',
  headers: { 'user-agent': 'bench' },
};

let captureOne;
let flush;
if (sdk === 'x' || sdk === 'x-no-frames') {
  const x = await import('@x/core');
  // `x-no-frames`: without the Node entry's frame step (source maps, context lines, in_app), to
  // show what that step costs.
  if (sdk === 'x-no-frames') {
    const carrier = globalThis[Symbol.for('@x/core.carrier')];
    if (carrier?.runtime) carrier.runtime.sourceFrames = undefined;
  }
  x.init({
    dsn: 'http://bench@127.0.0.1:9/1',
    sendDefaultPii: true,
    sendClientReports: false,
    maxQueueSize: N + 10,
    transport: () => ({ send: (envelope) => count(envelope.body.length), flush: async () => true }),
  });
  captureOne = (error, i) =>
    x.withIsolationScope((scope) => {
      scope.setUserResolver(() => ({
        id: `u${i % 100}`,
        username: 'bench',
        email: 'b@example.com',
      }));
      scope.setRequest({ ...request, clientIp: () => '127.0.0.1' });
      x.captureException(error);
    });
  flush = () => x.flush(60_000);
} else {
  const Sentry = await import('@sentry/node');
  const { createTransport } = await import('@sentry/core');
  Sentry.init({
    dsn: 'http://bench@127.0.0.1:9/1',
    sendDefaultPii: true,
    sendClientReports: false,
    // Same-stack errors in a row would be dropped as duplicates: measure every event built.
    // Sentry's client also holds at most 64 events in processing; let every one through.
    transportOptions: { bufferSize: N + 10 },
    integrations: (defaults) => defaults.filter((i) => i.name !== 'Dedupe'),
    transport: (options) =>
      createTransport({ ...options, bufferSize: N + 10 }, async (req) => {
        count(typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length);
        return { statusCode: 200 };
      }),
  });
  captureOne = (error, i) =>
    Sentry.withIsolationScope((scope) => {
      scope.setUser({ id: `u${i % 100}`, username: 'bench', email: 'b@example.com' });
      scope.setSDKProcessingMetadata({ normalizedRequest: request, ipAddress: '127.0.0.1' });
      Sentry.captureException(error);
    });
  flush = () => Sentry.flush(60_000);
}

/**
 * Captures `n` events in batches of 500, flushing after each (a server captures at a rate, it
 * does not queue 20,000 at once: with that, both SDKs spend their time on their own backlog).
 */
async function round(n) {
  let callerNs = 0;
  const started = process.hrtime.bigint();
  for (let done = 0; done < n; done += BATCH) {
    // A fresh error per event (a real failure is one), made before the clock starts.
    const errors = Array.from({ length: BATCH }, () => new Error('bench'));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) captureOne(errors[i], done + i);
    callerNs += Number(process.hrtime.bigint() - t0);
    await flush();
  }
  const totalNs = Number(process.hrtime.bigint() - started);
  return { callerUs: callerNs / n / 1000, totalUs: totalNs / n / 1000 };
}

await round(Math.min(N, 2000));
bytes = 0;
envelopes = 0;
const result = await round(N);
console.log(
  JSON.stringify({
    sdk,
    events: N,
    ...result,
    envelopes,
    bytesPerEvent: Math.round(bytes / envelopes),
  }),
);
