// Trace context through XModule on Express and on Fastify, with the real OpenTelemetry http
// instrumentation: the error carries its request's trace; the request's server span carries the
// user the guard set (read when the response is handed over, after every guard ran).
import 'reflect-metadata';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { startTestTracing, type TestTracing } from '@x/test-kit/otel';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush } from '../src/index.js';
import { appModule, SECRET } from './app.js';
import { startTestInbox, storedEvent, storedEvents } from './helpers.js';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let tracing: TestTracing;
beforeAll(async () => {
  tracing = startTestTracing();
  inbox = await startTestInbox();
});
afterAll(async () => {
  await tracing.dispose();
  await inbox.dispose();
});

describe.each(['express', 'fastify'] as const)('on %s', (platform) => {
  it('the event joins the server span’s trace; the span gets the guard’s user (ids only without sendDefaultPii)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [appModule({ dsn: inbox.dsn, sendClientReports: false })],
    }).compile();
    const app = moduleRef.createNestApplication(
      platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl())
      .replace('[::1]', '127.0.0.1')
      .replace('localhost', '127.0.0.1');
    const traceId = `${platform === 'express' ? 'e' : 'f'}${'1234567890abcdef'.repeat(2).slice(1)}`;
    const who = (name: string) => ({
      authorization: `Bearer ${jsonwebtoken.sign({ sub: `u-${name}-${platform}`, username: name, email: `${name}@example.com` }, SECRET)}`,
    });
    try {
      const boom = await fetch(`${url}/boom`, {
        headers: { ...who('alice'), traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      });
      expect(boom.status).toBe(500);
      const ok = await fetch(`${url}/report`, { headers: who('bob') });
      expect(ok.status).toBe(200);
      expect(await flush(5000)).toBe(true);
    } finally {
      await app.close();
    }
    const spans = tracing.serverSpans();
    const boomSpan = spans.find((s) => s.spanContext().traceId === traceId);
    expect(boomSpan?.attributes['user.id']).toBe(`u-alice-${platform}`);
    expect(boomSpan?.attributes).not.toHaveProperty('user.email');
    expect(boomSpan?.attributes).not.toHaveProperty('user.name');
    expect(spans.filter((s) => s.attributes['user.id'] === `u-bob-${platform}`)).toHaveLength(1);

    const stored = (await storedEvents(inbox)).filter((e) => e.user?.id === `u-alice-${platform}`);
    expect(stored).toHaveLength(1);
    const event = await storedEvent(inbox, (stored[0] as { id: string }).id);
    const trace = (event.contexts as { trace?: { trace_id: string; span_id: string } }).trace;
    expect(trace?.trace_id).toBe(traceId);
    // The span active where the error was captured: the server span or one inside it.
    const captured = tracing.spans().find((s) => s.spanContext().spanId === trace?.span_id);
    expect(captured?.spanContext().traceId).toBe(traceId);
  });
});
