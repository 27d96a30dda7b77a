// A recording hop in front of an inbox: it keeps every request's bytes (decompressed) and forwards
// the request unchanged, so a test can both read what was stored and search what went on the wire.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { expect } from 'vitest';

/** A started tap. */
export interface EnvelopeTap {
  /** The inbox's DSN with the tap's host and port: send here. */
  dsn: string;
  /** Every request body received so far, decompressed. */
  bodies: Buffer[];
  /** All bodies and request headers as one latin1 string, to search for what must not be sent. */
  wire(): string;
  close(): Promise<void>;
}

/** Starts a tap on 127.0.0.1 (port 0) forwarding to the inbox behind `inboxDsn`. */
export async function startEnvelopeTap(inboxDsn: string): Promise<EnvelopeTap> {
  const target = new URL(inboxDsn);
  const bodies: Buffer[] = [];
  const headerText: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      bodies.push(decode(req, wire));
      headerText.push(`${req.url ?? ''}\n${JSON.stringify(req.headers)}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length')
          headers.set(name, value);
      }
      fetch(`${target.protocol}//${target.host}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        ...(wire.length > 0 ? { body: wire } : {}),
      }).then(
        async (answer) => {
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
            'access-control-allow-origin': '*',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dsn = new URL(inboxDsn);
  dsn.host = `127.0.0.1:${port}`;
  return {
    dsn: dsn.toString(),
    bodies,
    wire: () => [...bodies.map((b) => b.toString('latin1')), ...headerText].join('\n\u0000\n'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function decode(req: IncomingMessage, wire: Buffer): Buffer {
  const encoding = req.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(wire);
  if (encoding === 'deflate') return inflateSync(wire);
  return wire;
}

/**
 * What every adapter's pseudonymization test checks once two people's events (`events`, all of
 * one issue) are stored: two distinct users, the issue counting 2 users affected, and the wire
 * carrying `px_` pseudonyms but none of the people's `raws` values nor the `key`.
 */
export async function expectTwoPseudonymousPeople(
  inbox: { url: string },
  tap: EnvelopeTap,
  events: { user_key: string | null }[],
  raws: string[],
  key: string,
): Promise<void> {
  expect(new Set(events.map((e) => e.user_key)).size).toBe(2);
  const issueId = (events[0] as unknown as { issue_id: number }).issue_id;
  const issue = (await (await fetch(`${inbox.url}/api/issues/${issueId}`)).json()) as {
    user_count: number;
  };
  expect(issue.user_count).toBe(2);
  const wire = tap.wire();
  expect(wire).toContain('px_');
  for (const raw of raws) expect(wire).not.toContain(raw);
  expect(wire).not.toContain(key);
}
