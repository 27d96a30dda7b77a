// What goes over stdio: only JSON-RPC on stdout, the server's exit when stdin closes, and the
// same server started as `x-inbox mcp` by the inbox's own CLI.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboxMcpServer } from '../src/index';
import {
  callJson,
  cliPath,
  connect,
  newEventId,
  packageDir,
  sendEvent,
  startTestInbox,
} from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let aliceEvent: string;
beforeAll(async () => {
  inbox = await startTestInbox();
  aliceEvent = await sendEvent(inbox, {
    event_id: newEventId(),
    message: 'Checkout timed out',
    user: { id: 'u-alice' },
  });
  await sendEvent(inbox, { event_id: newEventId(), message: 'Cart empty', user: { id: 'u-bob' } });
});
afterAll(() => inbox?.dispose());

/** JSON-RPC requests, one per line, as an MCP client sends them. */
const requests = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  {
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: { name: 'search_events', arguments: { user: 'id:u-alice' } },
  },
  {
    jsonrpc: '2.0',
    id: 4,
    method: 'tools/call',
    params: { name: 'get_event', arguments: { event_id: 42 } },
  },
  { jsonrpc: '2.0', id: 5, method: 'no/such/method' },
];

describe('stdout', () => {
  it('carries only JSON-RPC messages, and the server exits when stdin closes', async () => {
    const child = spawn(process.execPath, [cliPath, '--url', inbox.url], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const answered = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.split('\n').filter((line) => line.includes('"id":')).length >= 5) resolve();
      });
    });
    for (const request of requests) child.stdin.write(`${JSON.stringify(request)}\n`);
    await answered;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(await exited).toBe(0);

    const lines = stdout.split('\n').filter((line) => line !== '');
    const messages = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const message of messages) expect(message.jsonrpc).toBe('2.0');
    const byId = new Map(messages.map((message) => [message.id, message]));
    expect(Object.keys(byId.get(1)?.result as object)).toContain('serverInfo');
    const found = JSON.stringify(byId.get(3)?.result);
    expect(found).toContain(aliceEvent);
    expect(byId.get(4)?.result).toMatchObject({ isError: true });
    expect(byId.get(5)?.error).toMatchObject({ code: -32601 });
    expect(stderr).toContain('x-inbox-mcp: reading the inbox at');
  });
});

describe('x-inbox mcp', () => {
  const inboxCli = join(
    dirname(createRequire(join(packageDir, 'package.json')).resolve('@x/inbox/package.json')),
    'dist',
    'cli.js',
  );
  // The subcommand loads this package and calls runMcpServer (in cli.js or a chunk of it);
  // until @x/inbox's CLI has it, say so.
  const inboxDist = dirname(inboxCli);
  const hasSubcommand = readdirSync(inboxDist)
    .filter((file) => file.endsWith('.js'))
    .some((file) => readFileSync(join(inboxDist, file), 'utf8').includes('runMcpServer'));
  if (!hasSubcommand) {
    console.warn(`skipped: ${inboxCli} has no \`mcp\` subcommand calling runMcpServer yet`);
  }

  it.skipIf(!hasSubcommand)('serves the same tools through the inbox CLI', async () => {
    const session = await connect([inboxCli, 'mcp', '--url', inbox.url], packageDir);
    try {
      const { events } = await callJson<{ events: { id: string }[] }>(session, 'search_events', {
        user: 'id:u-alice',
      });
      expect(events.map((event) => event.id)).toEqual([aliceEvent]);
      expect(session.errors).toEqual([]);
    } finally {
      await session.close();
    }
  });
});

describe('createInboxMcpServer', () => {
  it('serves the tools in-process on any transport', async () => {
    const server = createInboxMcpServer({ url: `${inbox.url}/` });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'in-process', version: '1' });
    await client.connect(clientSide);
    try {
      const result = (await client.callTool({
        name: 'user_impact',
        arguments: { user: 'id:u-bob' },
      })) as CallToolResult;
      const part = result.content[0];
      const impact = JSON.parse(part?.type === 'text' ? part.text : '{}');
      expect(impact).toMatchObject({ user_key: 'id:u-bob', events: 1, issues: 1 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => createInboxMcpServer({ url: 'ftp://127.0.0.1' })).toThrow(
      /must be an http\(s\) address such as http:\/\/127.0.0.1:8969/,
    );
  });
});
