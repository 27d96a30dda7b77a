// The Sentry-mode section: Koa with Sentry's SDK alone against Sentry + @x (xUserIntegration and
// koaMiddleware, @x not inited), on the request path and the error path.
import { fmt, fmtSummary } from '../lib/stats.mjs';
import {
  SENTRY_MODE_CONTROL,
  SENTRY_MODE_IN_PROCESS,
  SENTRY_MODE_PATHS,
  SENTRY_MODE_TARGET_US,
  SENTRY_MODE_VARIANTS,
  sentryModeFigures,
} from '../sentryMode.mjs';
import { pick, receivedCell, signed, summaryCell, table, total } from './format.mjs';

const LABELS = {
  sentry: '@sentry/node + setupKoaErrorHandler, `Sentry.setUser` per request (Sentry alone)',
  'sentry+x':
    'the same Sentry + `xUserIntegration()` + `koaMiddleware()`, no `setUser` (Sentry + @x)',
  [SENTRY_MODE_CONTROL]: 'A/A: Sentry alone again, in a fresh server (the machine’s noise)',
};
const FIGURES = { sentry: 'sentry', 'sentry+x': 'sentryX', [SENTRY_MODE_CONTROL]: 'control' };
const DIFFERENCES = { 'sentry+x': 'addedUs', [SENTRY_MODE_CONTROL]: 'controlUs' };
const PATH_LABELS = { hello: 'request', error: 'error' };

/** "+1.2 (+0.4–+2.0)": what Sentry + @x took over Sentry alone, per round. */
const addedCell = ({ median, min, max, n }) =>
  n === 0 ? 'n/a' : `${signed(median)}${n > 1 ? ` (${signed(min)}–${signed(max)})` : ''}`;

function rowsOf(sentryMode) {
  return SENTRY_MODE_PATHS.flatMap((mode) => {
    const figures = sentryModeFigures(sentryMode, mode);
    const variants = [...SENTRY_MODE_VARIANTS, SENTRY_MODE_CONTROL];
    return variants.flatMap((variant) => {
      const trials = pick(sentryMode, { mode, variant });
      if (trials.length === 0) return [];
      const own = figures[FIGURES[variant]];
      const difference = DIFFERENCES[variant];
      const events =
        mode === 'error'
          ? [
              receivedCell(trials, { dropped: true }),
              `${total(trials, (r) => r.withUser ?? 0)} / ${total(trials, (r) => r.received)}`,
            ]
          : ['—', '—'];
      return [
        [
          PATH_LABELS[mode],
          LABELS[variant],
          fmtSummary(own.rps),
          summaryCell(trials, 'p99', 2),
          fmtSummary(own.cpuUs, 1),
          difference ? addedCell(figures[difference]) : '—',
          ...events,
        ],
      ];
    });
  });
}

export function sentryModeSection(sentryMode) {
  if (!sentryMode.length) return { lines: [], targets: [] };
  const rounds = Math.max(0, ...pick(sentryMode, { mode: 'hello' }).map((r) => r.round));
  const inProcess = sentryModeFigures(sentryMode, SENTRY_MODE_IN_PROCESS);
  const { addedUs: added, controlUs: control } = sentryModeFigures(sentryMode, 'hello');
  const headings = [
    'req/s',
    'p99 (ms)',
    'server CPU µs/req',
    'over Sentry alone (µs CPU/req)',
    'events received / thrown',
    'events with a user / received',
  ];
  return {
    lines: [
      '## Sentry mode (Koa): Sentry alone vs Sentry + @x',
      '',
      `An app that keeps Sentry's SDK: \`@sentry/node\` 11 preloaded with \`--import\` (no tracing, default integrations without \`Dedupe\`, \`sendDefaultPii\`), \`Sentry.setupKoaErrorHandler(app)\`, the same authenticated hello-world as the request path above. Sentry alone: the app calls \`Sentry.setUser\` on every request (Sentry has no lazy resolver). Sentry + @x (Sentry mode): \`xUserIntegration()\` from \`@x/koa/sentry\` after Sentry's default integrations and \`koaMiddleware()\` first; @x is not \`init\`ed and the app sets no user — @x supplies it when Sentry builds an event. ${fmt(rounds)} rounds, the two variants paired per round (which goes first alternates), a fresh server per trial; "over Sentry alone" is the median (min–max) of the per-round differences of server CPU per request. On the request path each round also runs Sentry alone a second time (A/A): its difference from the first shows how far this machine's noise alone moves a pair. A round's request-path servers are warmed up together, then loaded in turn, a second each, ten times (the turn reversed every time), so that the machine's drift falls on all of them alike. On the error path every request throws, Sentry captures and sends to the counting sink, which also counts the events that carry a \`user.id\`.`,
      '',
      ...table(['path', 'variant'], headings, rowsOf(sentryMode)),
      '',
      ...(inProcess.addedUs.n
        ? [
            `The same request path in one process, without HTTP (\`servers/koaInProcess.mjs\`: the three apps' middleware registered with \`app.use\`, so Sentry's Koa instrumentation wraps it as in a server; each request in a Sentry isolation scope of its own, described as Sentry's http integration describes it; ${fmt(inProcess.addedUs.n)} interleaved rounds of 20,000 requests): Sentry + @x over Sentry alone **${addedCell(inProcess.addedUs)} µs CPU/req**, A/A ${addedCell(inProcess.controlUs)}. It counts what @x's middleware does per request; the server's figure also carries what @x adds to the process, such as its modules' heap, which every major GC marks again (decision record 0052).`,
            '',
          ]
        : []),
    ],
    targets: [
      [
        `Sentry mode (Koa), request path: Sentry + @x ≤ ${SENTRY_MODE_TARGET_US} µs server CPU/req over Sentry alone`,
        `${addedCell(added)} µs CPU/req${control.n ? `; A/A ${addedCell(control)}` : ''}`,
        added.median <= SENTRY_MODE_TARGET_US,
      ],
    ],
  };
}
