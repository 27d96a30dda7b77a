import type { DiscardReason } from './clientReports';
import { systemClock } from './clock';
import type { SerializedEnvelope } from './envelope';
import { postEnvelope } from './postEnvelope';
import { RateLimits } from './rateLimits';
import { settleWithin } from './settleWithin';
import type { Transport, TransportOptions } from './transport';

/** The browser's budget for `keepalive` bodies in flight is 64 KiB; stay under it, as @sentry/browser. */
const KEEPALIVE_BYTES = 60_000;
const KEEPALIVE_REQUESTS = 15;

/**
 * The transport of a page (the browser client's default): each envelope is sent at once with
 * `fetch`, with `keepalive` while the keepalive requests in flight stay within the browser's
 * budget, so events survive the page being closed. What a page does not need is left out —
 * no queue, backoff, retries, spool or compression — as in @sentry/browser's fetch transport.
 *
 * Sentry's rate limits are honoured (see {@link postEnvelope}), and everything given up on is
 * counted for client reports: rate-limited (`ratelimit_backoff`), more than `concurrency`
 * requests in flight (`queue_overflow`; default 64, @sentry/browser's buffer size), a network
 * error or 5xx (`network_error`), any other refusal (`send_error`).
 */
export function createFetchTransport(options: TransportOptions): Transport {
  const clock = options.clock ?? systemClock;
  const rateLimits = new RateLimits();
  const inFlight = new Set<Promise<void>>();
  let keepaliveBytes = 0;
  let keepaliveRequests = 0;
  const isRateLimited: Transport['isRateLimited'] = (category) =>
    rateLimits.isLimited(category, clock.now());
  const drop = (reason: DiscardReason, envelope: SerializedEnvelope) => {
    for (const category of envelope.categories) options.recordDropped?.(reason, category);
  };
  return {
    isRateLimited,
    send(envelope) {
      if (envelope.categories.some(isRateLimited)) return drop('ratelimit_backoff', envelope);
      if (inFlight.size >= (options.concurrency ?? 64)) return drop('queue_overflow', envelope);
      const size = envelope.body.length;
      const keepalive =
        options.keepalive === true &&
        keepaliveBytes + size <= KEEPALIVE_BYTES &&
        keepaliveRequests < KEEPALIVE_REQUESTS;
      if (keepalive) {
        keepaliveBytes += size;
        keepaliveRequests++;
      }
      const request = postEnvelope(options, clock, rateLimits, envelope.body, { keepalive }).then(
        (outcome) => {
          if (keepalive) {
            keepaliveBytes -= size;
            keepaliveRequests--;
          }
          inFlight.delete(request);
          if (outcome !== 'sent') drop(outcome === 'retry' ? 'network_error' : outcome, envelope);
        },
      );
      inFlight.add(request);
    },
    flush: (timeoutMs = 2000) => settleWithin(inFlight, timeoutMs),
  };
}
