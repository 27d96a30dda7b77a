// What the demo contract's suites share: logging in to the sample app, and reading back what the
// inbox stored.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Started } from '@x/test-kit/processes';
import { expect } from 'vitest';
import { accounts } from '../accounts.js';

/** The processes a suite starts in its `beforeAll`; its tests read them when they run. */
export interface Running {
  inbox: Started & { dsn: string };
  app: Started;
}

export interface StoredEvent {
  id: string;
  issue_id: number;
  title: string;
  level: string;
  user_key: string | null;
  user: Record<string, unknown> | null;
}

/** Everything the inbox stored, oldest first (waits until at least `count` arrived). */
export async function eventsIn(
  inboxUrl: string,
  count: number,
  timeoutMs = 15_000,
): Promise<StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = (await (await fetch(`${inboxUrl}/api/events?limit=1000`)).json()) as {
      data: StoredEvent[];
    };
    if (page.data.length >= count || Date.now() > deadline) return page.data.reverse();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The sample app's directory: the nearest one above its entry with a package.json. */
export function appRoot(entry: string): string {
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export async function login(app: string, username: string, password: string): Promise<Response> {
  return fetch(`${app}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

export async function tokenFor(app: string, username: string): Promise<string> {
  const account = accounts.find((a) => a.username === username);
  const res = await login(app, username, account?.password ?? '');
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The user as the inbox stores it for a demo account, seen from 127.0.0.1. */
export function storedUser(username: string) {
  const a = accounts.find((x) => x.username === username);
  return {
    id: a?.id,
    username: a?.username,
    email: a?.email,
    ip_address: '127.0.0.1',
    data: { subscription: a?.subscription },
  };
}
