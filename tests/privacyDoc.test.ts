// docs/privacy.md shows, per privacy option, what goes on the wire and what the inbox stores. Its
// example payloads are produced here by the real code — the built @x/core sending through a
// recording hop to the built inbox — and compared with the page, so the page cannot drift.
// After a deliberate change: `UPDATE_PRIVACY_DOC=1 pnpm exec vitest run --project repo tests/privacyDoc.test.ts`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvelopeTap } from '@x/test-kit/envelope-tap';
import { afterAll, expect, it } from 'vitest';

const root = join(__dirname, '..');
const docFile = join(root, 'docs', 'privacy.md');
type Core = typeof import('../packages/core/src/node');
type InboxModule = typeof import('../packages/inbox/src/index');

/** The request every example captures in: a signed-in user, cookies, a bearer token. */
const REQUEST = {
  method: 'POST',
  url: 'https://shop.example/checkout?step=2',
  headers: {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)',
    cookie: 'session=s3ss10n',
    authorization: 'Bearer t0k3n',
    'x-forwarded-for': '203.0.113.77, 10.0.0.2',
  },
};
const LOGIN_USER = { id: 'u-alice', username: 'alice', email: 'alice@example.com', plan: 'pro' };
const CLIENT_IP = '203.0.113.77';
const KEY = 'example-key-0123456789abcdef0123456789abcdef';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A built inbox on port 0 behind a recording hop. */
async function inboxWithTap(inbox: InboxModule, options: { preventStoringIp?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'x-privacy-doc-'));
  const handle = await inbox.startInbox({
    port: 0,
    dbPath: join(dir, 'inbox.db'),
    log: () => undefined,
    geo: false,
    ...options,
  });
  const tap = await startEnvelopeTap(handle.dsn);
  cleanups.push(async () => {
    await tap.close();
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { handle, tap };
}

/** Captures one error in {@link REQUEST} with `options`; returns what was sent and what was stored. */
async function capture(
  core: Core,
  target: Awaited<ReturnType<typeof inboxWithTap>>,
  options: Parameters<Core['init']>[0],
  explicitUser?: Parameters<Core['setUser']>[0],
) {
  const sentBefore = target.tap.bodies.length;
  core.init({ dsn: target.tap.dsn, sendClientReports: false, ...options });
  let eventId = '';
  await core.withIsolationScope(async (scope) => {
    scope.setRequest({ ...REQUEST, clientIp: () => CLIENT_IP });
    scope.setUserResolver(() => LOGIN_USER);
    if (explicitUser !== undefined) core.setUser(explicitUser);
    const error = new Error('payment failed');
    error.stack = 'Error: payment failed\n    at pay (/srv/shop/pay.js:1:1)';
    eventId = core.captureException(error);
  });
  expect(await core.close(5000)).toBe(true);
  const body = target.tap.bodies.slice(sentBefore).map((b) => b.toString('utf8'));
  const sent = body
    .flatMap((envelope) => envelope.split('\n').slice(1))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((item) => item.event_id === eventId) as Record<string, never> | undefined;
  const answer = await fetch(`${target.handle.url}/api/events/${eventId}`);
  const stored = ((await answer.json()) as { event: Record<string, never> }).event;
  const pick = (event: Record<string, never> | undefined) => ({
    user: event?.user,
    request: event?.request,
    sdk: { settings: (event?.sdk as { settings?: unknown } | undefined)?.settings },
  });
  return { sent: pick(sent), stored: { ...pick(stored), _meta: stored?._meta } };
}

it('docs/privacy.md shows what the real code sends and stores', async () => {
  const core = (await import(join(root, 'packages/core/dist/node.js'))) as Core;
  const inbox = (await import(join(root, 'packages/inbox/dist/index.js'))) as InboxModule;
  const plain = await inboxWithTap(inbox);
  const preventing = await inboxWithTap(inbox, { preventStoringIp: true });

  const examples: Record<string, unknown> = {};
  examples.default = (await capture(core, plain, {})).sent;
  const pii = await capture(core, plain, { sendDefaultPii: true });
  examples['send-default-pii'] = pii.sent;
  examples['ip-anonymization'] = (
    await capture(core, plain, { sendDefaultPii: true, ipAnonymization: 'truncate' })
  ).sent;
  examples['ip-null'] = (
    await capture(core, plain, { sendDefaultPii: true }, { id: 'u-alice', ip_address: null })
  ).sent;
  examples.pseudonymous = (
    await capture(core, plain, {
      sendDefaultPii: true,
      pseudonymizeUsers: { key: KEY, allow: ['plan'] },
    })
  ).sent;
  examples['pseudonymous-no-pii'] = (
    await capture(core, plain, { pseudonymizeUsers: { key: KEY } })
  ).sent;
  examples['inbox-pseudonymous'] = (
    await capture(core, plain, { pseudonymizeUsers: { key: KEY, allow: ['plan'] } })
  ).stored;
  examples['inbox-stored'] = pii.stored;
  examples['inbox-prevent-storing-ip'] = (
    await capture(core, preventing, { sendDefaultPii: true })
  ).stored;

  let doc = readFileSync(docFile, 'utf8');
  const update = process.env.UPDATE_PRIVACY_DOC === '1';
  for (const [name, value] of Object.entries(examples)) {
    const block = new RegExp(
      `(<!-- example: ${name} -->\\n\`\`\`json\\n)((?:(?!\`\`\`)[\\s\\S])*)(\`\`\`)`,
    );
    const json = `${JSON.stringify(value, null, 2)}\n`;
    expect(doc, `docs/privacy.md has no block marked <!-- example: ${name} -->`).toMatch(block);
    if (update) doc = doc.replace(block, (_all, open, _old, close) => `${open}${json}${close}`);
    // Compared as JSON: the formatter may lay the page's blocks out differently.
    else expect(JSON.parse(block.exec(doc)?.[2] ?? 'null'), `example "${name}"`).toEqual(value);
  }
  if (update) writeFileSync(docFile, doc);
}, 60_000);
