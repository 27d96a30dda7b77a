// The trace id of each event (contexts.trace), checked as Relay's TraceId/SpanId do,
// stored in its own column, and the events and issues of one trace through the JSON API.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail, EventSummary, IssueSummary, Page } from '../src/index';
import { processEvent } from '../src/processEvent';
import { get, newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';

let inbox: TestInbox;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(async () => {
  await inbox?.dispose();
});

function traced(message: string, trace: Record<string, unknown> | undefined, user = 'alice') {
  return {
    event_id: newEventId(),
    message,
    user: { id: user },
    ...(trace ? { contexts: { trace: { type: 'trace', ...trace } } } : {}),
  };
}

describe('trace id on ingest', () => {
  it('stores a valid trace id lower-cased, with the span id, in the detail and the list', async () => {
    const stored = await sendEvent(
      inbox,
      traced('upper', {
        trace_id: TRACE.toUpperCase(),
        span_id: 'B7AD6B7169203331',
        parent_span_id: '00f067aa0ba902b7',
      }),
    );
    expect(stored.trace_id).toBe(TRACE);
    expect(stored.span_id).toBe('b7ad6b7169203331');
    expect(stored.event.contexts).toMatchObject({
      trace: { trace_id: TRACE, span_id: 'b7ad6b7169203331', parent_span_id: '00f067aa0ba902b7' },
    });
    expect(stored.event._meta).toBeUndefined();
    const list = await get<Page<EventSummary>>(inbox, '/api/events?limit=1');
    expect(list.data[0]).toMatchObject({ id: stored.id, trace_id: TRACE });
  });

  it.each([
    ['too short', 'abc123'],
    ['all zero', '0'.repeat(32)],
    ['not hex', `${'g'.repeat(31)}1`],
    ['33 digits', `${TRACE}a`],
    ['a UUID with dashes', '4bf92f35-77b3-4da6-a3ce-929d0e0e4736'],
    ['a number', 42],
  ])('keeps the event but drops a trace id that is %s (noted in _meta)', async (_, bad) => {
    const stored = await sendEvent(
      inbox,
      traced('bad trace', { trace_id: bad, span_id: 'b7ad6b7169203331' }),
    );
    expect(stored.trace_id).toBeNull();
    expect(stored.span_id).toBe('b7ad6b7169203331');
    const trace = (stored.event.contexts as Record<string, Record<string, unknown>>).trace;
    expect(trace).not.toHaveProperty('trace_id');
    expect(stored.event._meta).toMatchObject({
      contexts: { trace: { trace_id: { '': { err: [['invalid_data', expect.anything()]] } } } },
    });
  });

  it('drops an invalid span id alone and stores no trace for an event without contexts.trace', async () => {
    const badSpan = await sendEvent(
      inbox,
      traced('bad span', { trace_id: TRACE, span_id: '0'.repeat(16) }),
    );
    expect(badSpan.trace_id).toBe(TRACE);
    expect(badSpan.span_id).toBeNull();
    const none = await sendEvent(inbox, traced('no trace', undefined));
    expect(none.trace_id).toBeNull();
    expect(none.span_id).toBeNull();
  });

  it('any string as trace_id: stored only when 32 hex digits and not all zero', () => {
    const store = inbox.store;
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-fA-F]{32}$/), fc.constant('0'.repeat(32))),
        (raw) => {
          const processed = processEvent(traced('p', { trace_id: raw }), {
            clientIp: undefined,
            now: Date.now(),
          });
          if (!processed) throw new Error('not an event');
          store.insertEvent(processed.event, processed.grouping, 1);
          const id = String(processed.event.event_id);
          const valid = /^[0-9a-fA-F]{32}$/.test(raw) && !/^0+$/.test(raw);
          expect(store.getEvent(id)?.trace_id).toBe(valid ? raw.toLowerCase() : null);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the events and issues of a trace', () => {
  it('lists the events of one trace across issues, newest first, paged; issues filtered the same', async () => {
    const a = await sendEvent(
      inbox,
      traced('trace list A', { trace_id: OTHER_TRACE, span_id: '1111111111111111' }, 'ann'),
    );
    const b = await sendEvent(
      inbox,
      traced('trace list B', { trace_id: OTHER_TRACE, span_id: '2222222222222222' }, 'ben'),
    );
    const c = await sendEvent(
      inbox,
      traced(
        'trace list C',
        { trace_id: OTHER_TRACE.toUpperCase(), span_id: '3333333333333333' },
        'cy',
      ),
    );
    await sendEvent(
      inbox,
      traced('trace list A', { trace_id: 'f'.repeat(32), span_id: '4444444444444444' }),
    );
    expect(new Set([a.issue_id, b.issue_id, c.issue_id]).size).toBe(3);

    const first = await get<Page<EventSummary>>(
      inbox,
      `/api/events?trace_id=${OTHER_TRACE}&limit=2`,
    );
    expect(first.data.map((e) => e.id)).toEqual([c.id, b.id]);
    expect(first.next_cursor).not.toBeNull();
    const second = await get<Page<EventSummary>>(
      inbox,
      `/api/events?trace_id=${OTHER_TRACE}&limit=2&cursor=${first.next_cursor}`,
    );
    expect(second.data.map((e) => e.id)).toEqual([a.id]);
    expect(second.next_cursor).toBeNull();
    // The parameter is case-insensitive, like the stored id.
    const upper = await get<Page<EventSummary>>(
      inbox,
      `/api/events?trace_id=${OTHER_TRACE.toUpperCase()}`,
    );
    expect(upper.data).toHaveLength(3);

    const issues = await get<Page<IssueSummary>>(inbox, `/api/issues?trace_id=${OTHER_TRACE}`);
    expect(issues.data.map((i) => i.id).sort()).toEqual(
      [a.issue_id, b.issue_id, c.issue_id].sort(),
    );
    const unknown = await get<Page<IssueSummary>>(inbox, `/api/issues?trace_id=${'e'.repeat(32)}`);
    expect(unknown.data).toEqual([]);
  });

  it.each(['nope', '0'.repeat(32), `${TRACE}0`, TRACE.slice(1)])(
    'answers 400 with a reason for trace_id=%s',
    async (bad) => {
      for (const path of ['/api/events', '/api/issues']) {
        const body = await get<{ error: string }>(inbox, `${path}?trace_id=${bad}`, 400);
        expect(JSON.stringify(body)).toMatch(/trace_id must be 32 hex digits/);
      }
    },
  );

  it('the UI issues list answers a bad trace_id with a 400 page', async () => {
    const response = await fetch(`${inbox.url}/?trace_id=xyz`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/trace_id must be 32 hex digits/);
  });

  it('the event detail of an event without trace has trace_id and span_id null', async () => {
    const plain = await sendEvent(inbox, traced('plain', undefined));
    const detail = await get<EventDetail>(inbox, `/api/events/${plain.id}`);
    expect(detail).toMatchObject({ trace_id: null, span_id: null });
  });
});
