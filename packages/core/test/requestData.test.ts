// The event's request built from an adapter's request data under `dataCollection`.
import { describe, expect, it } from 'vitest';
import { resolveDataCollection } from '../src/dataCollectionResolve';
import { buildEventRequest } from '../src/requestData';

describe('header verdicts', () => {
  it('are kept apart per dataCollection, and stay right past the number kept', () => {
    const denying = resolveDataCollection({
      dataCollection: { httpHeaders: { deny: ['x-tenant'] } },
    });
    const keeping = resolveDataCollection({});
    const headers = { 'X-Tenant': 'acme', accept: 'text/html' };
    const request = (dataCollection: typeof keeping) =>
      buildEventRequest({ headers }, { dataCollection, ipAnonymization: 'none' }).headers;
    for (let round = 0; round < 2; round++) {
      expect(request(denying)).toEqual({ 'x-tenant': '[Filtered]', accept: 'text/html' });
      expect(request(keeping)).toEqual({ 'x-tenant': 'acme', accept: 'text/html' });
    }
    // More names than are kept: each still gets its own verdict.
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v']));
    for (let i = 0; i < 4; i++) {
      const sent = buildEventRequest(
        { headers: { authorization: 'Bearer t', ...many } },
        { dataCollection: keeping, ipAnonymization: 'none' },
      ).headers;
      expect(sent?.authorization).toBeUndefined();
      expect(Object.keys(sent ?? {})).toHaveLength(99);
    }
  });

  it('the first 100 headers with a value are read, names lower-cased', () => {
    const headers: Record<string, string | undefined> = { Skipped: undefined };
    for (let i = 0; i < 120; i++) headers[`X-H${i}`] = `v${i}`;
    const sent = buildEventRequest(
      { headers },
      { dataCollection: resolveDataCollection({}), ipAnonymization: 'none' },
    ).headers;
    expect(Object.keys(sent ?? {})).toHaveLength(100);
    expect(sent?.['x-h0']).toBe('v0');
    expect(sent?.['x-h99']).toBe('v99');
    expect(sent?.['x-h100']).toBeUndefined();
  });
});
