import type { DataCategory } from './event';

/** Why an event was not delivered (Sentry's client-report reasons). */
export type DiscardReason =
  | 'queue_overflow'
  | 'cache_overflow'
  | 'ratelimit_backoff'
  | 'network_error'
  | 'before_send'
  | 'send_error'
  | 'internal_sdk_error';

/** The payload of a `client_report` envelope item. */
export interface ClientReport {
  timestamp: number;
  discarded_events: { reason: DiscardReason; category: DataCategory; quantity: number }[];
}

/** Counts discarded events until they are reported. */
export class DiscardedEvents {
  private counts = new Map<string, number>();

  /** Counts `quantity` events of `category` dropped for `reason`. */
  record(reason: DiscardReason, category: DataCategory, quantity = 1): void {
    const key = `${reason}:${category}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + quantity);
  }

  /** Takes the counts as a report and resets them; `undefined` when nothing was dropped. */
  take(now = Date.now()): ClientReport | undefined {
    if (this.counts.size === 0) return undefined;
    const discarded_events = [...this.counts].map(([key, quantity]) => {
      const [reason, category] = key.split(':') as [DiscardReason, DataCategory];
      return { reason, category, quantity };
    });
    this.counts = new Map();
    return { timestamp: now / 1000, discarded_events };
  }
}
