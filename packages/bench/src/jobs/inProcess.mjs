// @x/bullmq's own CPU per job, in-process, no Redis: `node inProcess.mjs DSN ITERATIONS ROUNDS`
// prints one JSON line of CPU µs per call (process.cpuUsage), one value per round for each case:
//   add / addBulk — a fake queue whose add and addBulk only return (Redis's part is not @x's),
//     bare and wrapped with `withUser`, called in an isolation scope with a user set;
//   process — an async processor that returns, called bare and through `withJobScope`, with a
//     job carrying the stamp the wrapped `add` made;
//   open — `openUser` of that stamp: what opening it costs when an event of the job needs its user
//     (lazily, never on the success path).
// Each case runs its bare and @x loops back to back, after a warm-up of both.
import { init, openUser, setUser, withIsolationScope, withJobScope, withUser } from '@x/bullmq';

const [dsn = 'http://bench@127.0.0.1:9/1', iterationsArg = '20000', roundsArg = '5'] =
  process.argv.slice(2);
const ITERATIONS = Number(iterationsArg);
const ROUNDS = Number(roundsArg);
const BULK = 50;

init({ dsn, propagationKey: 'bench-propagation-key-0123456789abcdef', sendClientReports: false });

/** A stand-in for a BullMQ Queue: `add` and `addBulk` answer at once. */
const fakeQueue = () => ({
  add: async (name, data, opts) => ({ name, data, opts }),
  addBulk: async (jobs) => jobs,
});

/** CPU µs per call of `fn(i)`, each call awaited before the next. */
async function cpuUsPerCall(fn, n) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/** `{ bare: [µs per round], x: [...] }`: the two loops alternate, warmed up first. */
async function compare(bare, x, n, per = 1) {
  await cpuUsPerCall(bare, Math.min(n, 5000));
  await cpuUsPerCall(x, Math.min(n, 5000));
  const result = { bare: [], x: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order =
      round % 2
        ? [
            ['x', x],
            ['bare', bare],
          ]
        : [
            ['bare', bare],
            ['x', x],
          ];
    for (const [name, fn] of order) result[name].push((await cpuUsPerCall(fn, n)) / per);
  }
  return result;
}

/** The producer's cases, in one isolation scope whose user is set (as in a request). */
function producerCases() {
  return withIsolationScope(async () => {
    setUser({ id: 'u-42', username: 'bench', email: 'b@example.com' });
    const bare = fakeQueue();
    const x = withUser(fakeQueue());
    const data = { order: 'o-1' };
    const opts = { attempts: 1 };
    const { opts: stampedOpts } = await x.add('send', data, opts);
    if (typeof stampedOpts?.x_user !== 'string') throw new Error('the job carries no stamp');
    const add = await compare(
      () => bare.add('send', data, opts),
      () => x.add('send', data, opts),
      ITERATIONS,
    );
    const jobs = Array.from({ length: BULK }, (_, i) => ({ name: 'send', data: { i }, opts }));
    const addBulk = await compare(
      () => bare.addBulk(jobs),
      () => x.addBulk(jobs),
      Math.ceil(ITERATIONS / BULK),
      BULK,
    );
    return { add, addBulk, token: stampedOpts.x_user };
  });
}

/** The worker's cases, outside any request (as in a worker process). */
async function workerCases(token) {
  const job = {
    id: '1',
    name: 'send',
    queueName: 'invoices',
    attemptsMade: 0,
    data: { order: 'o-1' },
    opts: { attempts: 1, x_user: token },
  };
  const processor = async (j) => j.data.order;
  const wrapped = withJobScope(processor);
  if ((await wrapped(job)) !== 'o-1') throw new Error('the wrapped processor did not answer');
  if (!openUser(token)) throw new Error('the stamp does not open');
  const processed = await compare(
    () => processor(job),
    () => wrapped(job),
    ITERATIONS,
  );
  const open = await compare(
    () => undefined,
    () => openUser(token),
    ITERATIONS,
  );
  return { process: processed, open };
}

const { add, addBulk, token } = await producerCases();
const worker = await workerCases(token);
console.log(
  JSON.stringify({
    node: process.version,
    iterations: ITERATIONS,
    stampBytes: token.length,
    add,
    addBulk,
    ...worker,
  }),
);
