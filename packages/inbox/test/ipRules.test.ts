// One test per IP rule of DESIGN.md ("Relay's IP rules"): the exact user the inbox stores.
// Test traffic only goes to 127.0.0.1; the public IPs are data (their DB-IP records were checked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidEvent, newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

const MOUNTAIN_VIEW = { city: 'Mountain View', country_code: 'US', region: 'California' };
const SYDNEY = { city: 'Sydney', country_code: 'AU', region: 'New South Wales' };
const LONDON = { city: 'London', country_code: 'GB', region: 'England' };
const MONTREAL = { city: 'Montreal', country_code: 'CA', region: 'Quebec' };

type Settings = { infer_ip?: string } | undefined;
function event(fields: Record<string, unknown>, settings?: Settings, platform = 'node') {
  return {
    event_id: newEventId(),
    platform,
    message: 'ip rules',
    sdk: { name: 'sentry.javascript.node', version: '11.12.0', ...(settings ? { settings } : {}) },
    ...fields,
  };
}

let inbox: TestInbox;
let proxied: TestInbox;
let loopbackProxy: TestInbox;
let private_: TestInbox;
beforeAll(async () => {
  [inbox, proxied, loopbackProxy, private_] = await Promise.all([
    startTestInbox(),
    startTestInbox({ trustProxy: true }),
    startTestInbox({ trustProxy: 'loopback' }),
    startTestInbox({ preventStoringIp: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([inbox, proxied, loopbackProxy, private_].map((i) => i?.dispose()));
});

async function stored(target: TestInbox, payload: Record<string, unknown>, headers = {}) {
  const detail = await sendEvent(target, payload, headers);
  expectValidEvent(detail.event);
  return detail.event;
}

describe('IP and geo, as Relay fills them', () => {
  it('keeps an explicit IP and looks up its geo', async () => {
    const e = await stored(
      inbox,
      event({ user: { id: 'u1', ip_address: '8.8.8.8' } }, { infer_ip: 'never' }),
    );
    expect(e.user).toEqual({
      id: 'u1',
      ip_address: '8.8.8.8',
      geo: MOUNTAIN_VIEW,
      sentry_user: 'id:u1',
    });
  });

  it('keeps an explicit IPv6 address (canonical form) with its geo', async () => {
    const e = await stored(inbox, event({ user: { ip_address: '2001:4860:4860:0:0:0:0:8888' } }));
    expect(e.user).toEqual({
      ip_address: '2001:4860:4860::8888',
      geo: MONTREAL,
      sentry_user: 'ip:2001:4860:4860::8888',
    });
  });

  it('does not replace a geo the SDK sent', async () => {
    const e = await stored(
      inbox,
      event({ user: { ip_address: '8.8.8.8', geo: { city: 'Bonn' } } }),
    );
    expect(e.user).toEqual({
      ip_address: '8.8.8.8',
      geo: { city: 'Bonn' },
      sentry_user: 'ip:8.8.8.8',
    });
  });

  it('{{auto}} becomes the connection IP (infer_ip auto)', async () => {
    const e = await stored(
      inbox,
      event({ user: { id: 7, ip_address: '{{auto}}' } }, { infer_ip: 'auto' }),
    );
    expect(e.user).toEqual({ id: '7', ip_address: '127.0.0.1', sentry_user: 'id:7' });
  });

  it('{{auto}} becomes the connection IP under the legacy rule too', async () => {
    const e = await stored(inbox, event({ user: { id: 7, ip_address: '{{auto}}' } }));
    expect(e.user).toEqual({ id: '7', ip_address: '127.0.0.1', sentry_user: 'id:7' });
  });

  it('{{auto}} is dropped with infer_ip never', async () => {
    const e = await stored(
      inbox,
      event(
        { user: { id: 7, ip_address: '{{auto}}' }, request: { env: { REMOTE_ADDR: '{{auto}}' } } },
        { infer_ip: 'never' },
      ),
    );
    expect(e.user).toEqual({ id: '7', sentry_user: 'id:7' });
    expect(e.request).toEqual({ env: {} });
  });

  it('a valid REMOTE_ADDR fills an unset ip_address, even with infer_ip never', async () => {
    const e = await stored(
      inbox,
      event(
        { user: { id: 'u2' }, request: { env: { REMOTE_ADDR: '81.2.69.142' } } },
        { infer_ip: 'never' },
      ),
    );
    expect(e.user).toEqual({
      id: 'u2',
      ip_address: '81.2.69.142',
      geo: LONDON,
      sentry_user: 'id:u2',
    });
    expect(e.request).toEqual({ env: { REMOTE_ADDR: '81.2.69.142' } });
  });

  it('REMOTE_ADDR does not override an explicit ip_address', async () => {
    const e = await stored(
      inbox,
      event({ user: { ip_address: '1.1.1.1' }, request: { env: { REMOTE_ADDR: '81.2.69.142' } } }),
    );
    expect(e.user).toEqual({ ip_address: '1.1.1.1', geo: SYDNEY, sentry_user: 'ip:1.1.1.1' });
  });

  it('REMOTE_ADDR {{auto}} becomes the connection IP and fills the user (infer_ip auto)', async () => {
    const e = await stored(
      inbox,
      event({ request: { env: { REMOTE_ADDR: '{{auto}}' } } }, { infer_ip: 'auto' }),
    );
    expect(e.user).toEqual({ ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' });
    expect(e.request).toEqual({ env: { REMOTE_ADDR: '127.0.0.1' } });
  });

  it('infer_ip auto: the connection IP fills a missing ip_address (any platform)', async () => {
    const e = await stored(inbox, event({ user: { id: 'u3' } }, { infer_ip: 'auto' }));
    expect(e.user).toEqual({ id: 'u3', ip_address: '127.0.0.1', sentry_user: 'id:u3' });
  });

  it('infer_ip never: no IP is inferred', async () => {
    const e = await stored(inbox, event({ user: { id: 'u3' } }, { infer_ip: 'never' }));
    expect(e.user).toEqual({ id: 'u3', sentry_user: 'id:u3' });
  });

  it.each([
    ['javascript', true],
    ['cocoa', true],
    ['objc', true],
    ['node', false],
    ['python', false],
  ])('legacy (no infer_ip): platform %s infers the connection IP: %s', async (platform, infers) => {
    const e = await stored(inbox, event({}, undefined, platform));
    expect(e.user).toEqual(
      infers ? { ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' } : undefined,
    );
  });

  it('ip_address: null means never infer from the connection', async () => {
    const e = await stored(
      inbox,
      event({ user: { id: 'u4', ip_address: null } }, { infer_ip: 'auto' }),
      {},
    );
    expect(e.user).toEqual({ id: 'u4', sentry_user: 'id:u4' });
  });

  it('ip_address: null still takes REMOTE_ADDR (data the SDK sent)', async () => {
    const e = await stored(
      inbox,
      event(
        { user: { id: 'u4', ip_address: null }, request: { env: { REMOTE_ADDR: '8.8.8.8' } } },
        { infer_ip: 'auto' },
      ),
    );
    expect(e.user).toEqual({
      id: 'u4',
      ip_address: '8.8.8.8',
      geo: MOUNTAIN_VIEW,
      sentry_user: 'id:u4',
    });
  });

  it('an invalid ip_address is dropped into _meta; auto then uses the connection', async () => {
    const e = await stored(
      inbox,
      event({ user: { id: 'u5', ip_address: 'not-an-ip' } }, { infer_ip: 'auto' }),
    );
    expect(e.user).toEqual({ id: 'u5', ip_address: '127.0.0.1', sentry_user: 'id:u5' });
    expect(e._meta).toEqual({
      user: {
        ip_address: {
          '': { err: [['invalid_data', { reason: 'expected an ip address' }]], val: 'not-an-ip' },
        },
      },
    });
  });

  it('ignores X-Forwarded-For without --trust-proxy', async () => {
    const e = await stored(
      inbox,
      event({ user: { ip_address: '{{auto}}' } }, { infer_ip: 'auto' }),
      {
        'X-Forwarded-For': '1.1.1.1',
      },
    );
    expect(e.user).toEqual({ ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' });
  });

  it('uses X-Forwarded-For with --trust-proxy (and looks up its geo)', async () => {
    const e = await stored(
      proxied,
      event({ user: { ip_address: '{{auto}}' } }, { infer_ip: 'auto' }),
      {
        'X-Forwarded-For': '8.8.8.8, 1.1.1.1',
      },
    );
    expect(e.user).toEqual({
      ip_address: '8.8.8.8',
      geo: MOUNTAIN_VIEW,
      sentry_user: 'ip:8.8.8.8',
    });
  });

  it('with --trust-proxy loopback, the first untrusted hop wins', async () => {
    const e = await stored(
      loopbackProxy,
      event({ user: { ip_address: '{{auto}}' } }, { infer_ip: 'auto' }),
      {
        'X-Forwarded-For': '8.8.8.8, 1.1.1.1',
      },
    );
    expect(e.user).toEqual({ ip_address: '1.1.1.1', geo: SYDNEY, sentry_user: 'ip:1.1.1.1' });
  });

  it('--prevent-storing-ip removes the IP fields after the geo lookup', async () => {
    const e = await stored(
      private_,
      event(
        {
          user: { id: 'u6', ip_address: '8.8.8.8' },
          request: { env: { REMOTE_ADDR: '1.1.1.1', OTHER: 'x' } },
        },
        { infer_ip: 'auto' },
      ),
    );
    expect(e.user).toEqual({ id: 'u6', geo: MOUNTAIN_VIEW, sentry_user: 'id:u6' });
    expect(e.request).toEqual({ env: { OTHER: 'x' } });
  });

  it('--prevent-storing-ip leaves no IP in sentry_user either', async () => {
    const e = await stored(
      private_,
      event({ user: { ip_address: '{{auto}}' } }, { infer_ip: 'auto' }),
    );
    expect(e.user).toBeUndefined();
    expect(JSON.stringify(e)).not.toContain('127.0.0.1');
  });
});
