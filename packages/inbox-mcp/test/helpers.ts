// A real inbox with events of several users, sent as envelopes over HTTP, and an MCP client
// that spawns the built server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type InboxHandle, startInbox } from '@x/inbox';
import { expect } from 'vitest';

/** packages/inbox-mcp. */
export const packageDir = join(__dirname, '..');
/** The built `x-inbox-mcp` bin. */
export const cliPath = join(packageDir, 'dist', 'cli.js');

/** A started inbox on port 0 with a temp database. */
export async function startTestInbox(): Promise<InboxHandle & { dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'x-inbox-mcp-'));
  const inbox = await startInbox({ port: 0, dbPath: join(dir, 'inbox.db'), log: () => {} });
  return {
    ...inbox,
    async dispose() {
      await inbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh random event id (32 hex digits). */
export function newEventId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

/** Sends one event as an envelope, as an SDK does, and returns the id the inbox answered. */
export async function sendEvent(
  inbox: InboxHandle,
  event: Record<string, unknown>,
): Promise<string> {
  const header = { event_id: event.event_id, sent_at: new Date().toISOString() };
  const payload = JSON.stringify(event);
  const item = { type: 'event', length: Buffer.byteLength(payload) };
  const body = `${JSON.stringify(header)}\n${JSON.stringify(item)}\n${payload}`;
  const response = await fetch(`${inbox.url}/api/1/envelope/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-sentry-envelope',
      'X-Sentry-Auth': 'Sentry sentry_version=7, sentry_key=xinboxdevkey, sentry_client=test/1.0',
    },
    body,
  });
  const answer = (await response.json()) as { id: string };
  expect(response.status, JSON.stringify(answer)).toBe(200);
  return answer.id;
}

/** An MCP client connected to a spawned server, with what it logged and any protocol error. */
export interface McpSession {
  client: Client;
  stderr: string[];
  /** Errors the client's transport saw (a non-JSON-RPC line on stdout would be one). */
  errors: Error[];
  close(): Promise<void>;
}

/** Spawns `node <args>` (the MCP server) and connects the SDK's own client to it over stdio. */
export async function connect(args: string[], cwd = packageDir): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd,
    stderr: 'pipe',
    env: { PATH: process.env.PATH ?? '' },
  });
  const stderr: string[] = [];
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const errors: Error[] = [];
  const client = new Client({ name: 'inbox-mcp-test', version: '1.0.0' });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, stderr, errors, close: () => client.close() };
}

/** Calls a tool and returns its result (an error result is returned, not thrown). */
export async function call(
  session: McpSession,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await session.client.callTool({ name, arguments: args })) as CallToolResult;
}

/** Calls a tool, expects success and returns its text content parsed as JSON. */
export async function callJson<T = Record<string, unknown>>(
  session: McpSession,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await call(session, name, args);
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  expect(result.isError, text).toBeFalsy();
  return JSON.parse(text) as T;
}

/** The text of an error result (failing the test when the call succeeded). */
export async function callError(
  session: McpSession,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await call(session, name, args);
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  expect(result.isError, text).toBe(true);
  return text;
}
