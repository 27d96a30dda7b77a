import { getCarrier } from './carrier';
import type { DiscardReason } from './clientReports';
import type { Clock } from './clock';
import { debugWarn } from './debug';
import type { RateLimits } from './rateLimits';
import type { TransportOptions } from './transport';

/** What became of one request: delivered, worth another try later, or dropped for a reason. */
export type PostOutcome = 'sent' | 'retry' | DiscardReason;

/**
 * One POST of an envelope, shared by every transport: the request (per-request timeout,
 * `keepalive` when asked), the answer read so the connection can be reused, Sentry's rate
 * limits taken from the answer (`X-Sentry-Rate-Limits`, or `Retry-After` on 429), and the verdict —
 * 2xx sent, 429 dropped (`ratelimit_backoff`), 5xx and network errors `retry`, other answers
 * dropped (`send_error`, not retried). Never throws.
 */
export async function postEnvelope(
  options: TransportOptions,
  clock: Clock,
  rateLimits: RateLimits,
  body: string | Uint8Array,
  extra: { encoding?: string | undefined; keepalive?: boolean | undefined } = {},
): Promise<PostOutcome> {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(), options.requestTimeoutMs ?? 10_000);
  try {
    const doFetch = options.fetch ?? getCarrier().runtime?.fetch ?? globalThis.fetch;
    const response = await doFetch(options.url, {
      method: 'POST',
      body: body as string | Uint8Array<ArrayBuffer>,
      headers: {
        'Content-Type': 'application/x-sentry-envelope',
        ...(extra.encoding ? { 'Content-Encoding': extra.encoding } : {}),
        ...options.headers,
      },
      signal: controller.signal,
      ...(extra.keepalive ? { keepalive: true } : {}),
    });
    // Read the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    rateLimits.update(response.status, response.headers, clock.now());
    if (response.ok) return 'sent';
    if (response.status === 429) {
      debugWarn('rate limited; dropped');
      return 'ratelimit_backoff';
    }
    if (response.status >= 500) return 'retry';
    debugWarn(`backend answered ${response.status}; dropped`);
    return 'send_error';
  } catch (error) {
    debugWarn('could not reach the backend', error);
    return 'retry';
  } finally {
    clock.clearTimeout(timer);
  }
}
