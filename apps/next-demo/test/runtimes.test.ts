// Route handlers in the Node and the Edge runtime, a server component and a server action's
// neighbour routes, over real HTTP against the built app: the right user and IP on each event.
import { join } from 'node:path';
import { type Started, startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface StoredEvent {
  id: string;
  title: string;
  user_key: string | null;
  user: Record<string, unknown> | null;
}

describe('next-demo runtimes', () => {
  let inbox: Started & { dsn: string };
  let app: Started;
  let token = '';

  beforeAll(async () => {
    inbox = await startInboxProcess();
    app = await startAppProcess(join(__dirname, '..', 'server.mjs'), { X_DSN: inbox.dsn });
    const res = await fetch(`${app.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'bob-demo-pass' }),
    });
    token = ((await res.json()) as { token: string }).token;
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await inbox?.stop();
  });

  async function eventsTitled(title: string): Promise<StoredEvent[]> {
    const { data } = (await (await fetch(`${inbox.url}/api/events?limit=200`)).json()) as {
      data: StoredEvent[];
    };
    return data.filter((e) => e.title === title);
  }

  async function eventTitled(title: string): Promise<StoredEvent | undefined> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { data } = (await (await fetch(`${inbox.url}/api/events?limit=200`)).json()) as {
        data: StoredEvent[];
      };
      const found = data.find((e) => e.title === title);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  }

  it('an Edge-runtime route handler error carries the user and the trusted client IP, not a spoofed one', async () => {
    const res = await fetch(`${app.url}/edge/boom`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-forwarded-for': '6.6.6.6',
        'x-real-ip': '6.6.6.6',
      },
    });
    expect(res.status).toBe(500);
    const event = await eventTitled('Error: edge boom');
    expect(event?.user_key).toBe('id:u-bob');
    expect(event?.user).toMatchObject({ id: 'u-bob', username: 'bob', ip_address: '127.0.0.1' });
    // One event: withUser captured it in the Edge sandbox, onRequestError (another realm) skips it.
    await fetch(`${app.url}/report`, { method: 'POST' }); // a later event, so the edge one is done
    await eventTitled('report from next-demo');
    const all = await eventsTitled('Error: edge boom');
    expect(all).toHaveLength(1);
    const full = (await (await fetch(`${inbox.url}/api/events/${event?.id}`)).json()) as {
      event: { transaction?: string };
    };
    expect(full.event.transaction).toBe('GET /edge/boom');
  });

  it('a server component error (onRequestError) carries the user from the request’s credentials', async () => {
    const res = await fetch(`${app.url}/errors/server-component`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(500);
    const event = await eventTitled('Error: server component boom');
    expect(event?.user).toMatchObject({ id: 'u-bob', ip_address: '127.0.0.1' });
    const full = (await (await fetch(`${inbox.url}/api/events/${event?.id}`)).json()) as {
      event: { tags: Record<string, string> };
    };
    expect(full.event.tags).toMatchObject({
      'next.router_kind': 'App Router',
      'next.route_type': 'render',
    });
  });
});
