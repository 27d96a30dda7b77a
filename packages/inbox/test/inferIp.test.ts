// The user's IP and geo as Relay 26 derives them (`normalize_ip_addresses` and
// `normalize_user_geoinfo` in relay-event-normalization `event.rs`,
// `ClientSdkSettings::infer_ip` in relay-event-schema `protocol/clientsdk.rs`; the README's
// "How the user's IP is chosen" is this table). One test per row: each event goes over HTTP
// to a real inbox, is stored in SQLite and read back from the API.
//
// Three addresses, each with its own DB-IP city, so the stored geo shows which one was used:
// the connection (X-Forwarded-For, trusted), the user's own IP and the SDK's REMOTE_ADDR.
// Test traffic only goes to 127.0.0.1; the public IPs are data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidEvent, newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

const CONN = '81.2.69.142';
const USER_IP = '8.8.8.8';
const REMOTE = '1.1.1.1';
const GEO: Record<string, Record<string, string>> = {
  [CONN]: { city: 'London', country_code: 'GB', region: 'England' },
  [USER_IP]: { city: 'Mountain View', country_code: 'US', region: 'California' },
  [REMOTE]: { city: 'Sydney', country_code: 'AU', region: 'New South Wales' },
};
const HEADERS = { 'X-Forwarded-For': CONN };

/** What the SDK sent as `user.ip_address`: nothing, `{{auto}}`, an address, garbage, `null`. */
type UserIp = 'absent' | 'auto' | 'valid' | 'invalid' | 'null';
/** What the SDK sent as `request.env.REMOTE_ADDR`. */
type Remote = 'absent' | 'auto' | 'valid';
/** Which address the stored `user.ip_address` must be. */
type Expected = 'conn' | 'user' | 'remote' | 'none';

const USER_IP_VALUE: Record<Exclude<UserIp, 'absent'>, unknown> = {
  auto: '{{auto}}',
  valid: USER_IP,
  invalid: 'not-an-ip',
  null: null,
};
const REMOTE_VALUE = { auto: '{{auto}}', valid: REMOTE } as const;
const EXPECTED_IP = { conn: CONN, user: USER_IP, remote: REMOTE, none: undefined } as const;

let inbox: TestInbox;
let private_: TestInbox;
beforeAll(async () => {
  [inbox, private_] = await Promise.all([
    startTestInbox({ trustProxy: true }),
    startTestInbox({ trustProxy: true, preventStoringIp: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([inbox, private_].map((i) => i?.dispose()));
});

/** `sdk` with `settings.infer_ip` set to `infer` (`undefined`: no settings at all). */
function sdkWith(infer: unknown): Record<string, unknown> {
  const sdk: Record<string, unknown> = { name: 'sentry.javascript.browser', version: '10.0.0' };
  if (infer !== undefined) sdk.settings = { infer_ip: infer };
  return sdk;
}

function event(sdk: unknown, userIp: UserIp, remote: Remote, platform: string) {
  const user: Record<string, unknown> = { id: 'u1' };
  if (userIp !== 'absent') user.ip_address = USER_IP_VALUE[userIp];
  return {
    event_id: newEventId(),
    platform,
    message: 'infer ip',
    ...(sdk === undefined ? {} : { sdk }),
    user,
    ...(remote === 'absent' ? {} : { request: { env: { REMOTE_ADDR: REMOTE_VALUE[remote] } } }),
  };
}

async function stored(target: TestInbox, payload: Record<string, unknown>) {
  const detail = await sendEvent(target, payload, HEADERS);
  expectValidEvent(detail.event);
  return detail.event;
}

/**
 * Sends one row and checks the stored user (IP, and geo from that IP, else from the
 * connection), what became of REMOTE_ADDR (`{{auto}}` resolved to the connection's IP, or
 * `keptAuto`: left as sent) and the `_meta` note of an invalid IP.
 */
async function checkRow(
  sdk: unknown,
  userIp: UserIp,
  remote: Remote,
  platform: string,
  expected: Expected,
  keptAuto = false,
) {
  const e = await stored(inbox, event(sdk, userIp, remote, platform));
  const ip = EXPECTED_IP[expected];
  expect(e.user).toEqual({
    id: 'u1',
    ...(ip ? { ip_address: ip } : {}),
    geo: GEO[ip ?? CONN],
    sentry_user: 'id:u1',
  });
  if (remote === 'absent') expect(e.request).toBeUndefined();
  else {
    const remoteAddr = remote === 'valid' ? REMOTE : keptAuto ? '{{auto}}' : CONN;
    expect(e.request).toEqual({ env: { REMOTE_ADDR: remoteAddr } });
  }
  const metaIp = (e._meta as { user?: { ip_address?: unknown } } | undefined)?.user?.ip_address;
  if (userIp === 'invalid') {
    expect(metaIp).toEqual({
      '': { err: [['invalid_data', { reason: 'expected an ip address' }]], val: 'not-an-ip' },
    });
  } else expect(metaIp).toBeUndefined();
}

type Row = [userIp: UserIp, remote: Remote, platform: string, expected: Expected];

describe('legacy (no sdk.settings.infer_ip)', () => {
  const rows: Row[] = [
    // platform node: the connection's IP only through {{auto}}
    ['absent', 'absent', 'node', 'none'],
    ['absent', 'auto', 'node', 'conn'],
    ['absent', 'valid', 'node', 'remote'],
    ['auto', 'absent', 'node', 'conn'],
    ['auto', 'auto', 'node', 'conn'],
    ['auto', 'valid', 'node', 'conn'],
    ['valid', 'absent', 'node', 'user'],
    ['valid', 'auto', 'node', 'user'],
    ['valid', 'valid', 'node', 'user'],
    ['invalid', 'absent', 'node', 'none'],
    ['invalid', 'auto', 'node', 'conn'],
    ['invalid', 'valid', 'node', 'remote'],
    ['null', 'absent', 'node', 'none'],
    ['null', 'auto', 'node', 'conn'],
    ['null', 'valid', 'node', 'remote'],
    // javascript, cocoa, objc: a missing IP becomes the connection's
    ['absent', 'absent', 'javascript', 'conn'],
    ['absent', 'absent', 'cocoa', 'conn'],
    ['absent', 'absent', 'objc', 'conn'],
    ['invalid', 'absent', 'javascript', 'conn'],
    ['invalid', 'absent', 'cocoa', 'conn'],
    ['invalid', 'absent', 'objc', 'conn'],
    ['null', 'absent', 'javascript', 'conn'],
    ['null', 'absent', 'cocoa', 'conn'],
    ['null', 'absent', 'objc', 'conn'],
    // … but a valid REMOTE_ADDR comes first, and a user IP is kept
    ['absent', 'valid', 'javascript', 'remote'],
    ['valid', 'absent', 'javascript', 'user'],
  ];
  it.each(rows)('user IP %s, REMOTE_ADDR %s, platform %s → %s', (userIp, remote, platform, ip) =>
    checkRow(sdkWith(undefined), userIp, remote, platform, ip),
  );

  const spelled: [label: string, sdk: unknown, ...Row][] = [
    ['infer_ip "legacy"', sdkWith('legacy'), 'absent', 'absent', 'javascript', 'conn'],
    ['infer_ip "legacy"', sdkWith('legacy'), 'absent', 'absent', 'node', 'none'],
    ['infer_ip "legacy"', sdkWith('legacy'), 'auto', 'absent', 'node', 'conn'],
    ['infer_ip null', sdkWith(null), 'absent', 'absent', 'javascript', 'conn'],
    ['infer_ip null', sdkWith(null), 'absent', 'absent', 'node', 'none'],
    ['infer_ip null', sdkWith(null), 'null', 'auto', 'node', 'conn'],
    ['no sdk', undefined, 'absent', 'absent', 'javascript', 'conn'],
    ['no sdk', undefined, 'absent', 'absent', 'node', 'none'],
    [
      'sdk.settings not an object',
      { name: 'x', version: '1', settings: 'never' },
      'absent',
      'absent',
      'javascript',
      'conn',
    ],
  ];
  it.each(spelled)('%s: user IP %s, REMOTE_ADDR %s, platform %s → %s', (_l, sdk, u, r, p, ip) =>
    checkRow(sdk, u, r, p, ip),
  );
});

describe('infer_ip "auto"', () => {
  const rows: Row[] = [
    ['absent', 'absent', 'node', 'conn'],
    ['absent', 'auto', 'node', 'conn'],
    ['absent', 'valid', 'node', 'remote'],
    ['auto', 'absent', 'node', 'conn'],
    ['auto', 'auto', 'node', 'conn'],
    ['auto', 'valid', 'node', 'conn'],
    ['valid', 'absent', 'node', 'user'],
    ['valid', 'auto', 'node', 'user'],
    ['valid', 'valid', 'node', 'user'],
    ['invalid', 'absent', 'node', 'conn'],
    ['invalid', 'auto', 'node', 'conn'],
    ['invalid', 'valid', 'node', 'remote'],
    ['null', 'absent', 'node', 'conn'],
    ['null', 'auto', 'node', 'conn'],
    ['null', 'valid', 'node', 'remote'],
    // every platform
    ['absent', 'absent', 'javascript', 'conn'],
    ['absent', 'absent', 'cocoa', 'conn'],
    ['absent', 'absent', 'objc', 'conn'],
    ['absent', 'absent', 'python', 'conn'],
  ];
  it.each(rows)('user IP %s, REMOTE_ADDR %s, platform %s → %s', (userIp, remote, platform, ip) =>
    checkRow(sdkWith('auto'), userIp, remote, platform, ip),
  );
});

describe('infer_ip "never": nothing is derived', () => {
  const rows: Row[] = [
    // platform javascript, where legacy would infer
    ['absent', 'absent', 'javascript', 'none'],
    ['absent', 'auto', 'javascript', 'none'],
    ['absent', 'valid', 'javascript', 'none'],
    ['auto', 'absent', 'javascript', 'none'],
    ['auto', 'auto', 'javascript', 'none'],
    ['auto', 'valid', 'javascript', 'none'],
    ['valid', 'absent', 'javascript', 'user'],
    ['valid', 'auto', 'javascript', 'user'],
    ['valid', 'valid', 'javascript', 'user'],
    ['invalid', 'absent', 'javascript', 'none'],
    ['invalid', 'auto', 'javascript', 'none'],
    ['invalid', 'valid', 'javascript', 'none'],
    ['null', 'absent', 'javascript', 'none'],
    ['null', 'auto', 'javascript', 'none'],
    ['null', 'valid', 'javascript', 'none'],
    ['absent', 'valid', 'node', 'none'],
    ['auto', 'absent', 'cocoa', 'none'],
  ];
  it.each(rows)('user IP %s, REMOTE_ADDR %s, platform %s → %s', (userIp, remote, platform, ip) =>
    checkRow(sdkWith('never'), userIp, remote, platform, ip, true),
  );

  it('a sdk without name and version still says never (Relay reads settings of an invalid sdk)', async () => {
    const sdk = { settings: { infer_ip: 'never' } };
    await checkRow(sdk, 'auto', 'valid', 'javascript', 'none');
  });
});

describe('any other infer_ip value is never', () => {
  const values: unknown[] = ['sometimes', 'AUTO', 'Legacy', '', 42, true, {}];
  const rows: [infer: unknown, ...Row][] = values.flatMap((value): [unknown, ...Row][] => [
    [value, 'auto', 'auto', 'javascript', 'none'],
    [value, 'absent', 'valid', 'javascript', 'none'],
  ]);
  it.each(rows)(
    'infer_ip %j: user IP %s, REMOTE_ADDR %s, platform %s → %s',
    async (infer, u, r, p, ip) => {
      await checkRow(sdkWith(infer), u, r, p, ip, true);
    },
  );

  it('the invalid value is dropped from the stored sdk and noted in _meta', async () => {
    const e = await stored(inbox, event(sdkWith('AUTO'), 'absent', 'absent', 'javascript'));
    expect(e.sdk).toEqual({ name: 'sentry.javascript.browser', version: '10.0.0', settings: {} });
    expect(e._meta).toEqual({
      sdk: {
        settings: {
          infer_ip: {
            '': {
              err: [['invalid_data', { reason: 'expected one of auto, never, legacy' }]],
              val: 'AUTO',
            },
          },
        },
      },
    });
  });
});

describe('geo', () => {
  it('a geo the SDK sent is kept (not looked up)', async () => {
    const payload = {
      ...event(sdkWith('auto'), 'valid', 'absent', 'node'),
      user: { id: 'u1', ip_address: USER_IP, geo: { city: 'Bonn' } },
    };
    const e = await stored(inbox, payload);
    expect(e.user).toEqual({
      id: 'u1',
      ip_address: USER_IP,
      geo: { city: 'Bonn' },
      sentry_user: 'id:u1',
    });
  });

  it('never, no user at all: the user gets the geo of the connection, no IP', async () => {
    const { user: _user, ...payload } = event(sdkWith('never'), 'absent', 'absent', 'javascript');
    const e = await stored(inbox, payload);
    expect(e.user).toEqual({ geo: GEO[CONN] });
  });

  it('legacy node, no user at all: the geo of the connection, no IP', async () => {
    const { user: _user, ...payload } = event(sdkWith(undefined), 'absent', 'absent', 'node');
    const e = await stored(inbox, payload);
    expect(e.user).toEqual({ geo: GEO[CONN] });
  });
});

describe('--prevent-storing-ip: no IP derived from the connection, IP fields removed after geo', () => {
  const rows: [infer: string | undefined, ...Row][] = [
    // Expected: where the geo comes from (the IP itself is never stored).
    [undefined, 'auto', 'absent', 'node', 'conn'],
    [undefined, 'absent', 'absent', 'javascript', 'conn'],
    [undefined, 'absent', 'valid', 'node', 'remote'],
    [undefined, 'absent', 'auto', 'node', 'conn'],
    [undefined, 'valid', 'valid', 'node', 'user'],
    ['auto', 'absent', 'absent', 'node', 'conn'],
    ['auto', 'absent', 'valid', 'node', 'remote'],
    ['never', 'absent', 'valid', 'node', 'conn'],
    ['never', 'auto', 'absent', 'javascript', 'conn'],
    ['never', 'valid', 'absent', 'javascript', 'user'],
  ];
  it.each(rows)(
    'infer_ip %s: user IP %s, REMOTE_ADDR %s, platform %s → geo of %s',
    async (infer, userIp, remote, platform, geoFrom) => {
      const e = await stored(private_, event(sdkWith(infer), userIp, remote, platform));
      const ip = EXPECTED_IP[geoFrom as Expected] ?? CONN;
      expect(e.user).toEqual({ id: 'u1', geo: GEO[ip], sentry_user: 'id:u1' });
      if (remote === 'absent') expect(e.request).toBeUndefined();
      else expect(e.request).toEqual({ env: {} });
      for (const address of [CONN, USER_IP, REMOTE]) {
        expect(JSON.stringify(e)).not.toContain(address);
      }
    },
  );
});
