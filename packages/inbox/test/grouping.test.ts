// Grouping and culprit as tables: which frames count (in-app only when there are any, else all),
// what the culprit names, and hashes pinned to what the inbox computed before in_app-aware
// grouping (so existing issues keep collecting their events).
import { describe, expect, it } from 'vitest';
import { groupEvent } from '../src/grouping';
import { get, sendEvent, startTestInbox } from './helpers';

type Frame = Record<string, unknown>;
type Event = Record<string, unknown>;

/** A frame as `@x/core` sends it now: relative filename, absolute abs_path, module, context on in-app frames. */
function app(fn: string, module = 'routes', lineno = 17): Frame {
  return {
    function: fn,
    module,
    filename: `src/${module}.ts`,
    abs_path: `/srv/app/src/${module}.ts`,
    lineno,
    colno: 11,
    in_app: true,
    pre_context: ['export function boom() {'],
    context_line: "  throw new Error('boom');",
    post_context: ['}'],
  };
}
function lib(fn: string, filename: string, inApp: boolean | undefined = false): Frame {
  const frame: Frame = { function: fn, filename, abs_path: `/srv/app/${filename}`, lineno: 42 };
  if (inApp !== undefined) frame.in_app = inApp;
  return frame;
}
const NODE = lib('processTicksAndRejections', 'node:internal/process/task_queues');
const KOA = lib('dispatch', 'node_modules/koa-compose/index.js');
const KOA_OTHER = lib('dispatch', 'node_modules/.pnpm/koa-compose@4.2.0/index.js');
const X_OWN = lib('captureException', 'node_modules/@x/core/dist/index.js');

/** An error event; frames outermost first, as Sentry sends them. */
function error(
  frames: Frame[] | undefined,
  extra: Event = {},
  type = 'Error',
  value = 'boom',
): Event {
  return {
    exception: {
      values: [{ type, value, ...(frames ? { stacktrace: { frames } } : {}) }],
    },
    ...extra,
  };
}

describe('culprit', () => {
  const rows: [name: string, event: Event, culprit: string][] = [
    [
      'the innermost in-app frame, not the library frames called from it',
      error([NODE, KOA, app('handler', 'server'), app('boom'), X_OWN, KOA]),
      'routes in boom',
    ],
    [
      'an in-app frame without module: its filename',
      error([KOA, { ...app('boom'), module: undefined }]),
      'src/routes.ts in boom',
    ],
    [
      'an in-app frame without function: <anonymous>',
      error([KOA, { ...app('boom'), function: undefined }]),
      'routes in <anonymous>',
    ],
    [
      "an in-app frame whose function is the SDK's `?`: <anonymous>, never `in ?`",
      error([KOA, { ...app('boom'), function: '?' }]),
      'routes in <anonymous>',
    ],
    [
      'no in-app frame: the transaction',
      error([NODE, KOA, X_OWN], { transaction: 'GET /boom/:id' }),
      'GET /boom/:id',
    ],
    [
      'frames without in_app (an older SDK): the transaction',
      error([lib('boom', 'src/routes.ts', undefined)], { transaction: 'GET /users/[id]' }),
      'GET /users/[id]',
    ],
    [
      'in-app frames win over the transaction',
      error([KOA, app('boom')], { transaction: 'GET /boom/:id' }),
      'routes in boom',
    ],
    [
      "the SDK's own culprit before the transaction",
      error([KOA], { culprit: 'legacy.view', transaction: 'GET /boom/:id' }),
      'legacy.view',
    ],
    ['no frames, no transaction: empty', error(undefined), ''],
    ['a message with a transaction', { logentry: { formatted: 'hi' }, transaction: 'job' }, 'job'],
    [
      'chained: the main exception has no in-app frame, its cause has',
      {
        exception: {
          values: [
            { type: 'Error', value: 'cause', stacktrace: { frames: [KOA, app('load', 'db')] } },
            { type: 'Error', value: 'wrapped', stacktrace: { frames: [NODE, KOA] } },
          ],
        },
      },
      'db in load',
    ],
    [
      'chained: the main exception wins when both have in-app frames',
      {
        exception: {
          values: [
            { type: 'Error', value: 'cause', stacktrace: { frames: [app('load', 'db')] } },
            { type: 'Error', value: 'wrapped', stacktrace: { frames: [app('boom')] } },
          ],
        },
      },
      'routes in boom',
    ],
  ];
  it.each(rows)('%s', (_name, event, expected) => {
    expect(groupEvent(event).culprit).toBe(expected);
  });
});

describe('grouping', () => {
  const rows: [name: string, a: Event, b: Event, same: boolean][] = [
    [
      'in-app frames only: other library frames and another value do not split',
      error([NODE, KOA, app('boom'), X_OWN], {}, 'Error', 'boom 1'),
      error([NODE, KOA_OTHER, KOA, app('boom')], {}, 'Error', 'boom 2'),
      true,
    ],
    [
      'in-app frames only: another line or column does not split',
      error([KOA, app('boom', 'routes', 17)]),
      error([KOA, { ...app('boom', 'routes', 30), colno: 3 }]),
      true,
    ],
    [
      'in-app frames only: another context line does not split',
      error([app('boom')]),
      error([{ ...app('boom'), context_line: "  throw new Error('bang');" }]),
      true,
    ],
    ['another in-app function splits', error([KOA, app('boom')]), error([KOA, app('bang')]), false],
    [
      'another in-app module splits',
      error([KOA, app('boom', 'routes')]),
      error([KOA, app('boom', 'admin')]),
      false,
    ],
    [
      'an extra in-app caller splits',
      error([KOA, app('boom')]),
      error([KOA, app('handler', 'server'), app('boom')]),
      false,
    ],
    [
      'another exception type splits',
      error([app('boom')], {}, 'Error'),
      error([app('boom')], {}, 'TypeError'),
      false,
    ],
    [
      'the transaction does not split',
      error([app('boom')], { transaction: 'GET /boom/:id' }),
      error([app('boom')], { transaction: 'GET /other' }),
      true,
    ],
    [
      'no in-app frame: all frames count, the value does not',
      error([NODE, KOA, X_OWN], {}, 'Error', 'socket 1 hang up'),
      error([NODE, KOA, X_OWN], {}, 'Error', 'socket 2 hang up'),
      true,
    ],
    [
      'no in-app frame: other library frames split',
      error([NODE, KOA]),
      error([NODE, KOA_OTHER]),
      false,
    ],
    [
      'no in-app frame: frames without in_app at all count like library frames',
      error([lib('a', 'x.js', undefined)], {}, 'Error', 'one'),
      error([lib('a', 'x.js', false)], {}, 'Error', 'two'),
      true,
    ],
    [
      'an in-app frame anywhere: only in-app frames, so marking frames in-app regroups',
      error([
        lib('dispatch', 'node_modules/koa-compose/index.js', undefined),
        lib('boom', 'src/routes.ts', undefined),
      ]),
      error([
        lib('dispatch', 'node_modules/koa-compose/index.js', undefined),
        lib('boom', 'src/routes.ts', true),
      ]),
      false,
    ],
    [
      'no frames: the value counts',
      error(undefined, {}, 'Error', 'one'),
      error(undefined, {}, 'Error', 'two'),
      false,
    ],
    [
      'no frames: the same value groups',
      error(undefined, {}, 'Error', 'same'),
      error(undefined, {}, 'Error', 'same'),
      true,
    ],
    [
      'frames that name nothing (line numbers only): the value counts',
      error([{ lineno: 1 }, { lineno: 2 }], {}, 'Error', 'one'),
      error([{ lineno: 1 }, { lineno: 2 }], {}, 'Error', 'two'),
      false,
    ],
    [
      'a fingerprint replaces the frames',
      error([app('boom')], { fingerprint: ['db-down'] }),
      error([app('bang')], { fingerprint: ['db-down'] }),
      true,
    ],
    [
      '{{ default }} in a fingerprint keeps the frames',
      error([app('boom')], { fingerprint: ['{{ default }}', 'eu'] }),
      error([app('bang')], { fingerprint: ['{{ default }}', 'eu'] }),
      false,
    ],
    [
      'messages group by their template',
      { logentry: { message: 'Disk %s full', formatted: 'Disk C full' } },
      { logentry: { message: 'Disk %s full', formatted: 'Disk D full' } },
      true,
    ],
  ];
  it.each(rows)('%s', (_name, a, b, same) => {
    const [ha, hb] = [groupEvent(a).hash, groupEvent(b).hash];
    expect(ha).toMatch(/^[0-9a-f]{32}$/);
    if (same) expect(hb).toBe(ha);
    else expect(hb).not.toBe(ha);
  });

  // Computed by the inbox before in_app-aware grouping (0.1.0): these must not move.
  const pinned: [name: string, event: Event, hash: string][] = [
    [
      'an event with in-app frames',
      error(
        [
          { function: 'runMain', module: 'node:internal', in_app: false, lineno: 1 },
          {
            function: 'checkout',
            module: 'app.orders',
            filename: '/srv/app/orders.js',
            in_app: true,
            lineno: 10,
          },
        ],
        {},
        'TypeError',
        'x is undefined',
      ),
      '8925690ffa208e24cd8f6f8be35f939b',
    ],
    ['an exception without frames', error(undefined), '820106b3055b18d73c97faca3255e7e8'],
    [
      'a message',
      { logentry: { message: 'Disk %s full', formatted: 'Disk C full' } },
      'ced4d66d2993517d80afad693e587a8d',
    ],
    [
      'a fingerprint with {{ default }}',
      error(undefined, { fingerprint: ['db-down', '{{ default }}'] }),
      '5e23583330c9189ff21f34264c9b0413',
    ],
  ];
  it.each(pinned)('keeps the hash of %s', (_name, event, hash) => {
    expect(groupEvent(event).hash).toBe(hash);
  });

  it('changed: frames without any in-app frame no longer group by the value alone', () => {
    // Before, this grouped with the frameless `Error: boom` above (type + value only).
    const event = error([{ function: 'dispatch', filename: 'node_modules/koa-compose/index.js' }]);
    expect(groupEvent(event).hash).not.toBe('820106b3055b18d73c97faca3255e7e8');
  });
});

describe('grouping through ingest (real HTTP and SQLite)', () => {
  it('groups SDK events by their in-app frames and names the culprit and route', async () => {
    const inbox = await startTestInbox();
    try {
      const a = await sendEvent(
        inbox,
        error([NODE, KOA, app('boom'), X_OWN], { transaction: 'GET /boom/:id' }, 'Error', 'boom 1'),
      );
      const b = await sendEvent(
        inbox,
        error([NODE, KOA_OTHER, app('boom')], { transaction: 'GET /boom/:id' }, 'Error', 'boom 2'),
      );
      const c = await sendEvent(
        inbox,
        error([NODE, KOA, X_OWN], { transaction: 'GET /users/[id]' }, 'Error', 'lib'),
      );
      expect(b.issue_id).toBe(a.issue_id);
      expect(c.issue_id).not.toBe(a.issue_id);
      const issueA = await get<{ culprit: string }>(inbox, `/api/issues/${a.issue_id}`);
      const issueC = await get<{ culprit: string }>(inbox, `/api/issues/${c.issue_id}`);
      expect(issueA.culprit).toBe('routes in boom');
      expect(issueC.culprit).toBe('GET /users/[id]');
    } finally {
      await inbox.dispose();
    }
  });
});
