import { describe, expect, it } from 'vitest';
import { countDropped, countEvents } from '../src/lib/sink.mjs';
import { fmtSummary, median, parseDurationMs, summarize } from '../src/lib/stats.mjs';

describe('bench helpers', () => {
  it('median, summary and formatting', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(fmtSummary(summarize([1200, 1000, 1100]))).toBe('1,100 (1,000–1,200)');
    expect(fmtSummary(summarize([0.5]), 2)).toBe('0.50');
  });

  it('parses wrk durations to ms', () => {
    expect(parseDurationMs('812.00us')).toBeCloseTo(0.812);
    expect(parseDurationMs('1.5ms')).toBe(1.5);
    expect(parseDurationMs('2.00s')).toBe(2000);
  });

  it('counts the event items of an envelope', () => {
    const body = [
      '{"event_id":"a"}',
      '{"type":"event","length":2}',
      '{}',
      '{"type":"client_report"}',
      '{}',
    ].join('\n');
    expect(countEvents(Buffer.from(body))).toBe(1);
  });

  it('counts the error events a client report says were dropped', () => {
    const report = {
      timestamp: 1,
      discarded_events: [
        { reason: 'queue_overflow', category: 'error', quantity: 7 },
        { reason: 'ratelimit_backoff', category: 'error', quantity: 2 },
        { reason: 'queue_overflow', category: 'transaction', quantity: 5 },
      ],
    };
    const body = [
      '{}',
      '{"type":"event"}',
      '{}',
      '{"type":"client_report"}',
      JSON.stringify(report),
    ].join('\n');
    expect(countDropped(Buffer.from(body))).toBe(9);
  });
});
