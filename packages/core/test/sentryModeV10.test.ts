// Sentry mode on @sentry/node 10 (what @sentry/nestjs still runs): `sendDefaultPii` instead of
// v11's `dataCollection`, scopes in OpenTelemetry's context, the server span OpenTelemetry's. A
// second Sentry core (v11's) is loaded too, as a transitive dependency would be, with a user on
// its global scope: the app's Sentry is v10, and that copy must never be read.
import * as SentryV11Core from '@sentry/core';
import * as Sentry from 'sentry-node-v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRequest } from '../src/internal';
import { withSentryMode, xUserIntegration } from '../src/sentry';

type SentEvent = { event_id?: string; user?: Record<string, unknown>; sdk?: { version?: string } };
const sent: SentEvent[] = [];

function initV10(sendDefaultPii: boolean): void {
  Sentry.init({
    dsn: 'http://key@127.0.0.1:9/1',
    defaultIntegrations: false,
    sendClientReports: false,
    sendDefaultPii,
    transport: () => ({
      send: async (envelope) => {
        for (const [header, payload] of envelope[1]) {
          if (header.type === 'event') sent.push(payload as SentEvent);
        }
        return {};
      },
      flush: async () => true,
    }),
    integrations: [Sentry.requestDataIntegration(), xUserIntegration()],
  });
}

beforeAll(() => {
  SentryV11Core.getGlobalScope().setUser({ id: 'the other copy' });
  initV10(false);
});
afterAll(() => Sentry.close(2000));

async function eventOf(id: string): Promise<SentEvent> {
  expect(await Sentry.flush(5000)).toBe(true);
  const event = sent.find((e) => e.event_id === id);
  if (!event) throw new Error(`no event ${id}`);
  return event;
}

/** A request as v10's http integration and an adapter open it; `body` captures. */
function request(user: Record<string, unknown>, body: () => string): Promise<string> {
  return Sentry.withIsolationScope((isolationScope) => {
    isolationScope.setSDKProcessingMetadata({
      normalizedRequest: { method: 'GET', url: 'http://app.test/', headers: {} },
      ipAddress: '10.9.9.9',
    });
    const description = {
      method: 'GET',
      url: 'http://app.test/',
      getUser: () => user,
      clientIp: () => '198.51.100.7',
    };
    return runRequest(description, () => withSentryMode(async () => body())()) as Promise<string>;
  });
}

const ada = { id: 'u-ada', username: 'ada', email: 'ada@example.com' };

describe('Sentry mode on @sentry/node 10', () => {
  it('sendDefaultPii: false — the unit’s id and username only, read from v10’s scopes', async () => {
    const id = await request(ada, () => Sentry.captureException(new Error('boom')));
    const event = await eventOf(id);
    expect(event.sdk?.version).toBe('10.75.3');
    expect(event.user).toEqual({ id: 'u-ada', username: 'ada' });
  });

  it('a Sentry.setUser wins whole', async () => {
    const id = await request(ada, () => {
      Sentry.setUser({ id: 'set-by-app' });
      return Sentry.captureMessage('explicit');
    });
    expect((await eventOf(id)).user).toEqual({ id: 'set-by-app' });
  });

  it('sendDefaultPii: true — the email and the framework’s IP too', async () => {
    await Sentry.close(2000);
    initV10(true);
    const id = await request(ada, () => Sentry.captureMessage('pii'));
    expect((await eventOf(id)).user).toEqual({ ...ada, ip_address: '198.51.100.7' });
  });
});
