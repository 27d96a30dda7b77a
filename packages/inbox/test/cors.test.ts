import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIngestPath } from '../src/cors';
import { startTestInbox, type TestInbox } from './helpers';

let inbox: TestInbox;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

describe('CORS', () => {
  it('applies to the ingest endpoints only', () => {
    expect(isIngestPath('/api/1/envelope/')).toBe(true);
    expect(isIngestPath('/api/42/store/?sentry_key=k')).toBe(true);
    expect(isIngestPath('/api/events')).toBe(false);
    expect(isIngestPath('/api/1/envelope/../events')).toBe(false);
    expect(isIngestPath('/')).toBe(false);
  });

  it('a page on another origin can send events but not read the API or the UI', async () => {
    const origin = { origin: 'http://evil.test' };
    const preflight = await fetch(`${inbox.url}/api/1/envelope/`, {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://evil.test');
    for (const path of ['/api/events', '/api/issues', '/api/health', '/']) {
      const res = await fetch(`${inbox.url}${path}`, { headers: origin });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      await res.arrayBuffer();
    }
    const apiPreflight = await fetch(`${inbox.url}/api/events`, {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'GET' },
    });
    expect(apiPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
