import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Keep-alive agents of our own: idle sockets are unref'd by Node, so they never hold a process.
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
};

/**
 * The part of `fetch` the transport uses, on `node:http(s)` with keep-alive agents. The node
 * entry installs it as the transport's default: undici's `fetch` costs several times more CPU
 * per request, which on a busy server starves delivery (see BENCHMARKS.md, error path).
 */
export function nodeHttpFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const https = target.protocol === 'https:';
    const body = init.body as Uint8Array | undefined;
    const headers: Record<string, string | number> = {
      ...(init.headers as Record<string, string> | undefined),
    };
    if (body) headers['Content-Length'] = body.length;
    const options = {
      method: init.method ?? 'GET',
      headers,
      agent: https ? agents.https : agents.http,
      signal: init.signal ?? undefined,
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve(responseOf(res, Buffer.concat(chunks))));
    };
    const req = https
      ? httpsRequest(target, options, onResponse)
      : httpRequest(target, options, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}

function responseOf(res: IncomingMessage, body: Buffer): Response {
  const status = res.statusCode ?? 0;
  const headers = {
    get(name: string): string | null {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : String(value);
    },
  };
  const response = {
    status,
    ok: status >= 200 && status < 300,
    headers,
    arrayBuffer: async () =>
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
  return response as unknown as Response;
}
