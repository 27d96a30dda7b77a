import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'vitest';
import { sentryEventSchema } from '../../test-kit/src/sentryEventSchema.mjs';
import type { EventDetail, InboxHandle, InboxOptions } from '../src/index';
import { startInbox } from '../src/index';

/** The repository root (…/main); CI has `shared/` beside it. */
export const repoRoot = join(__dirname, '..', '..', '..');

/** A started inbox on port 0 with a temp database, plus what it logged. */
export interface TestInbox extends InboxHandle {
  dir: string;
  dbFile: string;
  logs: string[];
  /** Closes the inbox and removes its directory. */
  dispose(): Promise<void>;
}

/** Starts a real inbox for a test. */
export async function startTestInbox(options: InboxOptions = {}, dir?: string): Promise<TestInbox> {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'x-inbox-'));
  const logs: string[] = [];
  const dbFile = join(home, 'inbox.db');
  const inbox = await startInbox({
    port: 0,
    dbPath: dbFile,
    log: (line) => logs.push(line),
    ...options,
  });
  return {
    ...inbox,
    dir: home,
    dbFile,
    logs,
    async dispose() {
      await inbox.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One envelope item: header fields (`type`, …) and a payload (objects become JSON). */
export type Item = [header: Record<string, unknown>, payload: unknown];

/**
 * Builds envelope bytes; each item header gets the payload's `length` in bytes
 * unless the header says `length: undefined` explicitly (then it is left out).
 */
export function envelope(header: Record<string, unknown>, ...items: Item[]): Buffer {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(header))];
  for (const [itemHeader, payload] of items) {
    const bytes = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    const withLength =
      'length' in itemHeader ? itemHeader : { ...itemHeader, length: bytes.length };
    parts.push(Buffer.from(`\n${JSON.stringify(withLength)}\n`), bytes);
  }
  return Buffer.concat(parts);
}

/** An envelope with a single event. */
export function eventEnvelope(event: Record<string, unknown>): Buffer {
  return envelope({ event_id: event.event_id, sent_at: new Date().toISOString() }, [
    { type: 'event' },
    event,
  ]);
}

/** The result of {@link post}. */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** POSTs to the inbox and returns status, headers and the parsed JSON (or text) body. */
export async function post(
  inbox: InboxHandle,
  body: Buffer | string,
  options: { path?: string; headers?: Record<string, string>; auth?: string | null } = {},
): Promise<Answer> {
  const auth: Record<string, string> =
    options.auth === null
      ? {}
      : {
          'X-Sentry-Auth': `Sentry sentry_version=7, sentry_key=${options.auth ?? 'xinboxdevkey'}, sentry_client=test/1.0`,
        };
  const response = await fetch(`${inbox.url}${options.path ?? '/api/1/envelope/'}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-sentry-envelope', ...auth, ...options.headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: await parse(response) };
}

/** GETs a JSON API path; fails the test on a non-2xx answer unless `status` says otherwise. */
export async function get<T = unknown>(inbox: InboxHandle, path: string, status = 200): Promise<T> {
  const response = await fetch(`${inbox.url}${path}`);
  const body = await parse(response);
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body as T;
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sends one event in an envelope and returns its stored form (asserting a 200). */
export async function sendEvent(
  inbox: InboxHandle,
  event: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<EventDetail> {
  const answer = await post(inbox, eventEnvelope(event), { headers });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const { id } = answer.body as { id: string };
  return get<EventDetail>(inbox, `/api/events/${id}`);
}

// Relay stores event ids as 32 hex digits without dashes, so the schema's
// "uuid" format (which wants dashes) is not checked; everything else is.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validateSchema = ajv.compile(sentryEventSchema);

/** Asserts that a stored event (without its `_meta` annotations) fits Sentry's event schema. */
export function expectValidEvent(event: Record<string, unknown>): void {
  const { _meta, ...rest } = event;
  const ok = validateSchema(rest);
  expect(ok ? [] : validateSchema.errors, JSON.stringify(rest).slice(0, 2000)).toEqual([]);
}

/** A fresh random event id (32 hex digits). */
export function newEventId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

/**
 * Waits until `check` (which asks the server, e.g. its `/api/health` counters) says yes: each
 * round trip is real work, no timer; fails after 2,000 of them.
 */
export async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000 && !(await check()); i++);
  expect(await check()).toBe(true);
}
