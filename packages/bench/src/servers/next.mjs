// A Next App Router route handler, bare or wrapped with @x/next's withUser, called in-process
// behind a plain node:http server (Request in, Response out, as Next's server does) — a full
// `next build` + `next start` per trial would measure Next's router more than the wrapper.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { authenticate, config, fail, ready } from './common.mjs';

async function handler(request) {
  const user = authenticate(request.headers.get('authorization'));
  if (!user) return new Response(null, { status: 401 });
  if (config.mode === 'error') fail();
  return Response.json({ hello: user.username });
}

let GET = handler;
let flush;
if (config.variant === 'x') {
  // The CJS build: the ESM one imports `next/headers`, which only a bundler resolves
  // (next has no exports map), and this server is plain Node.
  const x = createRequire(import.meta.url)('@x/next');
  x.registerX({
    dsn: config.dsn,
    sendDefaultPii: true,
    release: 'bench@1',
    getUser: (request) => authenticate(request.headers.get('authorization')),
  });
  GET = x.withUser(handler);
  flush = () => x.flush(10_000);
}

const server = createServer(async (req, res) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  try {
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
    });
    const response = await GET(request, { params: Promise.resolve({}) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Internal Server Error');
  }
});
server.listen(0, '127.0.0.1', () => ready(server.address().port, flush));
