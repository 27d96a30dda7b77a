// The demo contract's trace-context suite: with OpenTelemetry, the user on the server span and the
// trace on the event; without it, the incoming traceparent on the event.
import { type OtlpReceiver, startOtlpReceiver } from '@x/test-kit/otlp-receiver';
import { type Started, startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../accounts.js';
import { bearer, eventsIn, tokenFor } from './helpers.js';

/** What the suite starts once; each test starts its own apps (stopped at the end). */
interface Tracing {
  entry: string;
  inbox: Started & { dsn: string };
  receiver: OtlpReceiver;
  apps: Started[];
}

const SERVER = 2; // OTLP SpanKind SERVER

export function describeTraceContext(name: string, entry: string): void {
  describe(`${name}: trace context (OpenTelemetry and traceparent)`, () => {
    const tracing = { entry, apps: [] } as unknown as Tracing;
    beforeAll(async () => {
      tracing.inbox = await startInboxProcess();
      tracing.receiver = await startOtlpReceiver();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(tracing.apps.map((a) => a.stop()));
      await tracing.receiver?.close();
      await tracing.inbox?.stop();
    });

    itPutsTheUserOnServerSpans(tracing);
    itFollowsTraceparentWithoutOpenTelemetry(tracing);
  });
}

/** The app, exporting its spans to the suite's receiver. */
async function traced(tracing: Tracing, env: Record<string, string> = {}): Promise<Started> {
  const app = await startAppProcess(tracing.entry, {
    X_DSN: tracing.inbox.dsn,
    OTEL_EXPORTER_OTLP_ENDPOINT: tracing.receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...env,
  });
  tracing.apps.push(app);
  return app;
}

/** The trace context of the next stored event, after `hit` made one. */
async function traceOfNextEvent(inboxUrl: string, hit: () => Promise<Response>) {
  const before = (await eventsIn(inboxUrl, 0, 0)).length;
  expect((await hit()).status).toBe(500);
  const [event] = (await eventsIn(inboxUrl, before + 1)).slice(before);
  const full = (await (await fetch(`${inboxUrl}/api/events/${event?.id}`)).json()) as {
    event: { contexts?: { trace?: { trace_id: string; span_id: string } } };
  };
  return { user: event?.user, trace: full.event.contexts?.trace };
}

function itPutsTheUserOnServerSpans(tracing: Tracing): void {
  it('the server span of a logged-in /boom carries the user; the event carries its trace', async () => {
    const { inbox, receiver } = tracing;
    const app = await traced(tracing);
    const token = await tokenFor(app.url, 'alice');
    const { user, trace } = await traceOfNextEvent(inbox.url, () =>
      fetch(`${app.url}/boom`, { headers: bearer(token) }),
    );
    expect(user?.id).toBe('u-alice');
    expect(trace?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const inTrace = () => receiver.spans.filter((s) => s.traceId === trace?.trace_id);
    await receiver.waitFor(() =>
      inTrace().some((s) => s.kind === SERVER && s.attributes['user.id'] === 'u-alice'),
    );
    // The event's span is a span of that trace (the server span or one inside it).
    await receiver.waitFor(() => inTrace().some((s) => s.spanId === trace?.span_id));
    const server = inTrace().find((s) => s.kind === SERVER && s.attributes['user.id']);
    // X_SEND_DEFAULT_PII defaults to true: the username, email and IP go on the span too.
    expect(server?.attributes).toMatchObject({
      'user.name': 'alice',
      'user.email': accounts.find((a) => a.username === 'alice')?.email,
      'client.address': '127.0.0.1',
    });
  }, 60_000);

  it('with X_SEND_DEFAULT_PII=false: user.id only — no user.email, user.name or client.address on spans', async () => {
    const { inbox, receiver } = tracing;
    const app = await traced(tracing, { X_SEND_DEFAULT_PII: 'false' });
    const token = await tokenFor(app.url, 'carol');
    const { trace } = await traceOfNextEvent(inbox.url, () =>
      fetch(`${app.url}/boom`, { headers: bearer(token) }),
    );
    await receiver.waitFor((spans) =>
      spans.some(
        (s) => s.traceId === trace?.trace_id && s.kind === SERVER && s.attributes['user.id'],
      ),
    );
    // Every span of this app's requests (found by their server spans' port).
    const port = Number(new URL(app.url).port);
    const traces = new Set(
      receiver.spans.filter((s) => s.attributes['server.port'] === port).map((s) => s.traceId),
    );
    expect(traces.size).toBeGreaterThanOrEqual(2); // the login and /boom
    const ours = receiver.spans.filter((s) => traces.has(s.traceId));
    for (const span of ours)
      for (const key of ['user.email', 'user.name', 'client.address'])
        expect(span.attributes, `${span.name}: ${key}`).not.toHaveProperty(key);
  }, 60_000);
}

function itFollowsTraceparentWithoutOpenTelemetry(tracing: Tracing): void {
  it('without OpenTelemetry: /boom with a traceparent header is stored under that trace', async () => {
    const { inbox } = tracing;
    const app = await startAppProcess(tracing.entry, { X_DSN: inbox.dsn });
    tracing.apps.push(app);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { trace } = await traceOfNextEvent(inbox.url, () =>
      fetch(`${app.url}/boom`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      }),
    );
    expect(trace).toEqual({
      trace_id: traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      parent_span_id: '00f067aa0ba902b7',
    });
  }, 60_000);
}
