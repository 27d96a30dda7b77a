// The connection's IP (trusted proxies), IPv6 and --prevent-storing-ip: the exact user the inbox
// stores. The infer_ip rules themselves, row by row, are in inferIp.test.ts.
// Test traffic only goes to 127.0.0.1; the public IPs are data (their DB-IP records were checked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidEvent, newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

const MOUNTAIN_VIEW = { city: 'Mountain View', country_code: 'US', region: 'California' };
const SYDNEY = { city: 'Sydney', country_code: 'AU', region: 'New South Wales' };
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
  it('keeps an explicit IPv6 address (canonical form) with its geo', async () => {
    const e = await stored(inbox, event({ user: { ip_address: '2001:4860:4860:0:0:0:0:8888' } }));
    expect(e.user).toEqual({
      ip_address: '2001:4860:4860::8888',
      geo: MONTREAL,
      sentry_user: 'ip:2001:4860:4860::8888',
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
