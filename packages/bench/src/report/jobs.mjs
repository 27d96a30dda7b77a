// The background jobs section: @x/bullmq's CPU per job in-process, and a Worker's jobs/s on a real
// Redis, bare BullMQ against @x, on each Node measured.
import { JOB_OUTCOMES, JOB_TARGETS, JOB_VARIANTS } from '../jobs.mjs';
import { fmt } from '../lib/stats.mjs';
import { pick, summaryCell, table, total } from './format.mjs';

const CPU_ROWS = [
  ['stampUs', 'stamping: `withUser(queue).add` over a bare `add`', JOB_TARGETS.stampUs],
  ['stampBulkUs', 'stamping per job of `addBulk` (50 jobs, one seal)'],
  [
    'scopeUs',
    "unstamping + the job's scope: `withJobScope(processor)(job)` over `processor(job)`, success path",
    JOB_TARGETS.scopeUs,
  ],
  ['openUs', 'opening the stamp (`openUser`), once an event of the job needs its user'],
];

const VARIANT_LABELS = {
  bare: 'BullMQ (bare)',
  x: '@x/bullmq (`withUser` queue + `withJobScope` processor)',
  aa: 'BullMQ (bare) again: A/A',
};
const OUTCOME_LABELS = { ok: 'succeeds', fail: 'throws (attempts 1)' };

const us = (value) => `${value.toFixed(2)} µs`;

/** The in-process table: one column per Node, then the target. */
function cpuTable(jobs) {
  const rows = CPU_ROWS.map(([key, label, target]) => [
    label,
    ...jobs.map((run) => us(run.cpu[key])),
    target === undefined ? '—' : `≤ ${target} µs`,
  ]);
  return table(
    ['CPU per job that @x adds'],
    [...jobs.map((run) => `Node ${run.node}`), 'target'],
    rows,
  );
}

/** The end-to-end table: per Node, outcome and variant. */
function workerTable(jobs) {
  const rows = jobs.flatMap((run) =>
    JOB_OUTCOMES.flatMap((outcome) =>
      JOB_VARIANTS.map((variant) => {
        const trials = pick(run.rows, { outcome, variant });
        const events =
          outcome === 'fail' && variant === 'x'
            ? `${total(trials, (r) => r.received)} / ${total(trials, (r) => r.thrown)}`
            : '—';
        return [
          run.node,
          OUTCOME_LABELS[outcome],
          VARIANT_LABELS[variant],
          summaryCell(trials, 'jobsPerSecond'),
          summaryCell(trials, 'ratio', 2),
          summaryCell(trials, 'cpuUsPerJob'),
          summaryCell(trials, 'cpuRatio', 2),
          events,
        ];
      }),
    ),
  );
  return table(
    ['Node', 'processor', 'variant'],
    ['jobs/s', '× bare', 'CPU µs/job', 'CPU × bare', 'events received / thrown'],
    rows,
  );
}

/** A target row over every Node measured: `[what, measured, ok]`. */
function target(jobs, key, limit, what) {
  const measured = jobs.map((run) => `${us(run.cpu[key])} (Node ${run.node})`).join(', ');
  return [
    `${what} ≤ ${limit} µs CPU per job`,
    measured,
    jobs.every((run) => run.cpu[key] <= limit),
  ];
}

export function jobsSection(jobs) {
  if (!jobs.length) return { lines: [], targets: [] };
  const measured = jobs.filter((run) => run.rows.length > 0);
  const first = measured[0]?.rows[0];
  const skipped = jobs.find((run) => run.skipped)?.skipped;
  return {
    lines: [
      '## Background jobs (BullMQ)',
      '',
      `In-process, no Redis: CPU per call (\`process.cpuUsage\` around ${fmt(jobs[0].cpu.raw.iterations)} awaited calls, after a warm-up; bare and @x alternating, ${jobs[0].cpu.raw.add.x.length} rounds, the median of the per-round differences). The producer side calls a stand-in queue whose \`add\`/\`addBulk\` only return (Redis's part is not @x's), bare and wrapped with \`withUser\`, in an isolation scope with \`setUser\` (the stamp: ${jobs[0].cpu.raw.stampBytes} characters, HMAC-SHA-256 under \`propagationKey\`); the worker side calls an async processor that returns, bare and through \`withJobScope\`, with a job carrying that stamp. The stamp is opened lazily, when an event needs the user: a job that succeeds never opens it, so its cost is shown on its own.`,
      '',
      ...cpuTable(jobs),
      '',
      first
        ? `End to end on a throw-away redis-server (127.0.0.1, on the runner's CPU): a fresh process per trial adds ${fmt(first.warm + first.jobs)} jobs with \`addBulk\` (chunks of 500; @x: through a \`withUser\` queue, in an isolation scope with a user), then a \`Worker\` with concurrency ${first.concurrency} processes them; the last ${fmt(first.jobs)} are measured (jobs/s, and the process's CPU per job: producer and worker are one process, on the server CPU). The bare process loads nothing of @x (on Node 20, an \`AsyncLocalStorage\` in use makes every promise of the process dearer: part of what @x costs there). Bare and @x alternate which goes first; ratios are within a round; on a shared machine, CPU per job is the steadier figure. The failing processor throws a fresh \`Error\` per job; @x captures each failed attempt to the local counting sink, flushed before the process ends.`
        : `End to end: skipped (${skipped ?? 'not run'}).`,
      '',
      ...(measured.length ? [...workerTable(measured), ''] : []),
    ],
    targets: [
      target(jobs, 'stampUs', JOB_TARGETS.stampUs, 'stamping a job (`withUser` add)'),
      target(jobs, 'scopeUs', JOB_TARGETS.scopeUs, 'unstamping + job scope (`withJobScope`)'),
    ],
  };
}
