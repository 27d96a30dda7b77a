import type { ServerResponse } from 'node:http';
import { outsideUnits } from './outsideUnits';

/**
 * Once a response has finished, Node arms the connection's keep-alive timer (`socket.setTimeout`)
 * from the response's own async context, so the timer holds that context — the request's
 * AsyncLocalStorage stores, its scopes and, through them, the request and response — until the
 * connection's next request replaces it. Under load every open connection keeps its last request
 * alive that way, enough to make V8 double its young generation (the process's RSS with it).
 * This re-arms the same timer, with the same duration, outside every unit. Node entry only.
 */
function rearmOutsideUnits(this: ServerResponse): void {
  const socket = this.req?.socket;
  const ms = socket?.timeout;
  if (!socket || socket.destroyed || !ms) return;
  outsideUnits(() => socket.setTimeout(ms));
}

/**
 * Lets a Node `ServerResponse` (anything else is ignored) re-arm its connection's idle timer
 * outside the request once it has finished (see {@link rearmOutsideUnits}).
 */
export function releaseAfterResponse(response: unknown): void {
  const res = response as Partial<ServerResponse> | undefined;
  if (typeof res?.on === 'function' && typeof res.writeHead === 'function')
    res.on('finish', rearmOutsideUnits);
}
