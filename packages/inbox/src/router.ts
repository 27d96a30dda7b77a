import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './httpError';

/** What a route handler receives. */
export interface RouteContext {
  /** The raw request (body not yet read). */
  req: IncomingMessage;
  /** The response; a handler may write it itself or return a {@link RouteResult}. */
  res: ServerResponse;
  /** The parsed request URL (relative URLs resolved against `http://localhost`). */
  url: URL;
  /** Values of the `:name` segments of the matched pattern. */
  params: Record<string, string>;
}

/** A handler's answer: JSON (`body` is serialized) or a ready string/Buffer with its type. */
export interface RouteResult {
  /** HTTP status. @default 200 */
  status?: number | undefined;
  /** A JSON value, or text/bytes when `contentType` is given. */
  body?: unknown;
  /** Content-Type for a string/Buffer body; JSON when absent. */
  contentType?: string | undefined;
  /** Extra response headers. */
  headers?: Record<string, string> | undefined;
}

/** A route handler; returning `undefined` means it wrote the response itself. */
export type RouteHandler = (
  ctx: RouteContext,
) => RouteResult | undefined | Promise<RouteResult | undefined>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * A small method + path router over `node:http`. Patterns are literal segments
 * and `:name` parameters; a trailing slash is optional on both sides. Errors
 * thrown by handlers become JSON `{ detail }` answers (500 for unexpected ones),
 * so no request can crash the server.
 *
 * @example
 * const router = new Router();
 * router.get('/api/events/:id', ({ params }) => ({ body: { id: params.id } }));
 * createServer((req, res) => router.handle(req, res));
 */
export class Router {
  private readonly routes: Route[] = [];

  /** Called for every error a handler throws that is not an {@link HttpError}. */
  onError: (error: unknown) => void = () => {};

  /** Adds a route for `method` (upper case) and `pattern`. */
  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, segments: split(pattern), handler });
    return this;
  }

  /** Adds a GET (and HEAD) route. */
  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler);
  }

  /** Adds a DELETE route. */
  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler);
  }

  /** Adds a POST route. */
  post(pattern: string, handler: RouteHandler): this {
    return this.add('POST', pattern, handler);
  }

  /** Serves one request: finds the route, runs it, writes the answer. Never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
      const path = split(url.pathname);
      let pathMatched = false;
      for (const route of this.routes) {
        const params = match(route.segments, path);
        if (!params) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        const result = await route.handler({ req, res, url, params });
        if (result) send(res, result);
        return;
      }
      throw pathMatched
        ? new HttpError(405, `method ${method} not allowed`)
        : new HttpError(404, 'not found');
    } catch (error) {
      if (!(error instanceof HttpError)) this.onError(error);
      const status = error instanceof HttpError ? error.status : 500;
      const detail = error instanceof HttpError ? error.message : 'internal error';
      const headers = error instanceof HttpError ? error.headers : {};
      if (!res.headersSent) send(res, { status, body: { detail }, headers });
      else res.destroy();
    }
  }
}

/** Writes a {@link RouteResult}. */
export function send(res: ServerResponse, result: RouteResult): void {
  const status = result.status ?? 200;
  const isRaw = result.contentType !== undefined;
  const payload = isRaw
    ? (result.body as string | Buffer | undefined)
    : result.body === undefined
      ? undefined
      : JSON.stringify(result.body);
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (!isRaw) {
    // JSON holds users' emails and IPs: never sniffed as another type, never cached.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
  }
  if (payload !== undefined) {
    res.setHeader('Content-Type', result.contentType ?? 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(payload));
  }
  res.statusCode = status;
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function match(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const got = path[i] as string;
    if (want.startsWith(':')) {
      try {
        params[want.slice(1)] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (want !== got) return undefined;
  }
  return params;
}
