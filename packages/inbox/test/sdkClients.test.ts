// Events from the real Sentry SDK clients (@sentry/node, @sentry/browser with its fetch
// transport) and from @x/core, sent over HTTP to a real inbox and read back from its API.
import * as SentryBrowser from '@sentry/browser';
import * as SentryNode from '@sentry/node';
import * as core from '@x/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail, EventSummary, IssueDetail, Page } from '../src/index';
import { expectValidEvent, get, startTestInbox, type TestInbox } from './helpers';

const LONDON = { city: 'London', country_code: 'GB', region: 'England' };

let inbox: TestInbox;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

async function storedEvent(id: string): Promise<Record<string, unknown>> {
  const detail = await get<EventDetail>(inbox, `/api/events/${id}`);
  expectValidEvent(detail.event);
  return detail.event;
}

type NodeClientOptions = ConstructorParameters<typeof SentryNode.NodeClient>[0];
type BrowserClientOptions = ConstructorParameters<typeof SentryBrowser.BrowserClient>[0];

function nodeClient(options: Partial<NodeClientOptions> = {}) {
  const client = new SentryNode.NodeClient({
    dsn: inbox.dsn,
    transport: SentryNode.makeNodeTransport,
    stackParser: SentryNode.defaultStackParser,
    integrations: [SentryNode.requestDataIntegration()],
    release: 'api@1.2.3',
    serverName: 'web-1',
    ...options,
  });
  const scope = new SentryNode.Scope();
  scope.setClient(client);
  client.init();
  return { client, scope };
}

function browserClient(options: Partial<BrowserClientOptions> = {}) {
  const client = new SentryBrowser.BrowserClient({
    dsn: inbox.dsn,
    transport: SentryBrowser.makeFetchTransport,
    stackParser: SentryBrowser.defaultStackParser,
    integrations: [],
    ...options,
  });
  const scope = new SentryBrowser.Scope();
  scope.setClient(client);
  client.init();
  return { client, scope };
}

describe('@sentry/node', () => {
  it('stores the user with the request IP the SDK sent (dataCollection.userInfo), geo and custom data', async () => {
    const { client, scope } = nodeClient();
    scope.setUser({ id: 'n1', email: 'ann@example.com', plan: 'pro' });
    scope.setSDKProcessingMetadata({
      normalizedRequest: { url: 'http://app.local/orders', method: 'POST', headers: {} },
      ipAddress: '81.2.69.142',
    });
    const id = scope.captureException(new Error('node boom'));
    expect(await client.flush(5000)).toBe(true);

    const event = await storedEvent(id);
    expect(event.user).toEqual({
      id: 'n1',
      email: 'ann@example.com',
      ip_address: '81.2.69.142',
      geo: LONDON,
      data: { plan: 'pro' },
      sentry_user: 'id:n1',
    });
    expect(event).toMatchObject({
      platform: 'node',
      release: 'api@1.2.3',
      server_name: 'web-1',
      request: { method: 'POST', url: 'http://app.local/orders' },
      sdk: { name: 'sentry.javascript.node', version: '11.12.0' },
    });
    expect(event._meta).toBeUndefined();

    const issue = await get<IssueDetail>(
      inbox,
      `/api/issues/${(await get<EventDetail>(inbox, `/api/events/${id}`)).issue_id}`,
    );
    expect(issue).toMatchObject({
      title: 'Error: node boom',
      culprit: 'sdkClients.test.ts in <anonymous>',
      level: 'error',
      event_count: 1,
      user_count: 1,
      release: 'api@1.2.3',
      server_name: 'web-1',
      last_event_id: id,
    });
    expect(issue.users.map((u) => [u.user_key, u.event_count])).toEqual([['id:n1', 1]]);
    await client.close();
  });

  it('infers no IP for a server SDK without an IP (legacy rule, platform node)', async () => {
    const { client, scope } = nodeClient();
    scope.setUser({ username: 'bob' });
    const id = scope.captureMessage('node message', 'warning');
    await client.flush(5000);
    const event = await storedEvent(id);
    expect(event.user).toEqual({ username: 'bob', sentry_user: 'username:bob' });
    expect(event.logentry).toEqual({ formatted: 'node message' });
    expect(event.level).toBe('warning');
    await client.close();
  });
});

describe('@sentry/browser (fetch transport)', () => {
  it('by default (dataCollection.userInfo) sends infer_ip auto: the connection IP is used', async () => {
    const { client, scope } = browserClient();
    scope.setUser({ email: 'b@example.com' });
    const id = scope.captureException(new TypeError('browser boom'));
    await client.flush(5000);
    const event = await storedEvent(id);
    expect((event.sdk as { settings?: unknown }).settings).toEqual({ infer_ip: 'auto' });
    expect(event.platform).toBe('javascript');
    expect(event.user).toEqual({
      email: 'b@example.com',
      ip_address: '127.0.0.1',
      sentry_user: 'email:b@example.com',
    });
    await client.close();
  });

  it('with dataCollection.userInfo false sends infer_ip never: no IP, even for platform javascript', async () => {
    const { client, scope } = browserClient({ dataCollection: { userInfo: false } });
    scope.setUser({ id: 'b2', ip_address: '{{auto}}' });
    const id = scope.captureException(new TypeError('private boom'));
    await client.flush(5000);
    const event = await storedEvent(id);
    expect((event.sdk as { settings?: unknown }).settings).toEqual({ infer_ip: 'never' });
    expect(event.user).toEqual({ id: 'b2', sentry_user: 'id:b2' });
    await client.close();
  });

  it('an explicit user IP wins over the connection', async () => {
    const { client, scope } = browserClient();
    scope.setUser({ id: 'b3', ip_address: '8.8.8.8' });
    const id = scope.captureMessage('explicit ip');
    await client.flush(5000);
    const event = await storedEvent(id);
    expect(event.user).toEqual({
      id: 'b3',
      ip_address: '8.8.8.8',
      geo: { city: 'Mountain View', country_code: 'US', region: 'California' },
      sentry_user: 'id:b3',
    });
    await client.close();
  });
});

describe('@x/core', () => {
  it('delivers its envelopes; the stored user is the one core normalized', async () => {
    core.init({ dsn: inbox.dsn, release: 'core@0.1.0' });
    let id = '';
    await core.withIsolationScope(async () => {
      core.setUser({ id: 99, username: 'carol', team: 'blue' });
      id = core.captureException(new RangeError('core boom'));
    });
    expect(await core.flush(5000)).toBe(true);
    await core.close(2000);
    const event = await storedEvent(id);
    expect(event.user).toMatchObject({
      id: '99',
      username: 'carol',
      data: { team: 'blue' },
      sentry_user: 'id:99',
    });
    expect(event.release).toBe('core@0.1.0');
    const page = await get<Page<EventSummary>>(inbox, '/api/events?user=id:99');
    expect(page.data.map((e) => e.id)).toEqual([id]);
  });
});
