import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InboxHandle, startInbox } from '@x/inbox';
import type Koa from 'koa';

/** A real inbox on port 0 with a temporary database. */
export async function startTestInbox(): Promise<InboxHandle & { dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'x-koa-inbox-'));
  const inbox = await startInbox({ port: 0, dbPath: join(dir, 'inbox.db'), log: () => undefined });
  return {
    ...inbox,
    async dispose() {
      await inbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A stored event as the inbox's API lists it. */
export interface StoredEvent {
  id: string;
  title: string;
  user_key: string | null;
  user: Record<string, unknown> | null;
}

/** Every event the inbox stored, oldest first. */
export async function storedEvents(inbox: InboxHandle): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let cursor: string | null = null;
  do {
    const url = `${inbox.url}/api/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await (await fetch(url)).json()) as {
      data: StoredEvent[];
      next_cursor: string | null;
    };
    all.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return all.reverse();
}

/** The parts of a full stored event these tests read. */
export interface FullEvent {
  request: { env?: Record<string, string>; headers?: Record<string, string> };
  user?: Record<string, unknown>;
}

/** The full stored event. */
export async function storedEvent(inbox: InboxHandle, id: string): Promise<FullEvent> {
  const detail = (await (await fetch(`${inbox.url}/api/events/${id}`)).json()) as {
    event: FullEvent;
  };
  return detail.event;
}

/** Starts a Koa app on 127.0.0.1, port 0. */
export async function listen(
  app: Koa,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
