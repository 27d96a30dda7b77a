// The node entry's transport fetch (nodeFetch.ts): transports read an answer's status and
// headers only, so the body is discarded as it arrives instead of being read into memory, and
// the keep-alive connection is free for the next envelope as soon as the promise resolves.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nodeHttpFetch } from '../src/nodeFetch';

const sockets = new Set<unknown>();
const bodies: string[] = [];
const server = createServer((req: IncomingMessage, res) => {
  sockets.add(req.socket);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    bodies.push(Buffer.concat(chunks).toString());
    res.setHeader('X-Sentry-Rate-Limits', '60:error:organization');
    // A sizeable answer (Sentry's are small): it is never read into memory.
    res.end(JSON.stringify({ id: 'a'.repeat(50_000) }));
  });
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/1/envelope/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('answers with status and headers, discards the body, and keeps its connections', async () => {
  for (let i = 0; i < 10; i++) {
    const response = await nodeHttpFetch(url, {
      method: 'POST',
      body: new TextEncoder().encode(`envelope ${i}`),
      headers: { 'Content-Type': 'application/x-sentry-envelope' },
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('X-Sentry-Rate-Limits')).toBe('60:error:organization');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  }
  expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => `envelope ${i}`));
  // Each answer was consumed: keep-alive connections served them all (undici's pool may open a
  // second one while the first is finishing), none was closed for an unread body.
  expect(sockets.size).toBeLessThanOrEqual(2);
});
