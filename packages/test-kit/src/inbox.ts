// An in-process inbox for adapter tests: real HTTP ingest and a real SQLite file, read back
// through the JSON API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InboxHandle, startInbox } from '@x/inbox';

/** A real inbox on port 0 with a temporary database. */
export async function startTestInbox(): Promise<InboxHandle & { dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'x-test-inbox-'));
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
export async function storedEvents(inbox: { url: string }): Promise<StoredEvent[]> {
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

/** The parts of a full stored event tests read. */
export interface FullEvent {
  request?: { env?: Record<string, string>; headers?: Record<string, string>; url?: string };
  tags?: Record<string, string>;
  transaction?: string;
  sdk?: { name?: string; version?: string };
  user?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The full stored event. */
export async function storedEvent(inbox: { url: string }, id: string): Promise<FullEvent> {
  const detail = (await (await fetch(`${inbox.url}/api/events/${id}`)).json()) as {
    event: FullEvent;
  };
  return detail.event;
}
