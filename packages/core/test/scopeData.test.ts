// How an event reads its scopes: the scopes' data read without a copy, the users of the scopes
// merged, and the scopes' tags, contexts and extra merged under the event's own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PrepareOptions, prepareEvent } from '../src/prepareEvent';
import { mergeScopeUsers, type UserLayer } from '../src/resolveUser';
import { readScopeData, Scope, type ScopeData } from '../src/scope';
import type { NormalizedUser } from '../src/user';

const options: PrepareOptions = {
  platform: 'node',
  userInfo: true,
  ipAnonymization: 'none',
  inferIp: undefined,
  userResolverTimeoutMs: 1000,
  sdk: { name: 'test', version: '0' },
};

const chain = (...scopes: Scope[]): ScopeData[] => scopes.map((scope) => scope.getScopeData());

describe('readScopeData', () => {
  it('reads the data without a copy, and what it read stays as it was when the scope changes', () => {
    const scope = new Scope().setTag('first', 1).setUser({ id: 'u1' });
    const read = readScopeData(scope);
    expect(readScopeData(scope)).toBe(read);
    expect(scope.getScopeData()).not.toBe(read);
    scope.setTag('second', 2).setUser({ id: 'u2' }).setContext('app', { a: 1 });
    scope.addBreadcrumb({ message: 'later' });
    expect(read.tags).toEqual({ first: 1 });
    expect(read.user).toEqual({ id: 'u1' });
    expect(read.contexts).toEqual({});
    expect(read.breadcrumbs).toEqual([]);
    expect(readScopeData(scope).tags).toEqual({ first: 1, second: 2 });
  });
});

/** The merge as @sentry/core's scope data merge reads, written out without shortcuts. */
function referenceMerge(layers: readonly UserLayer[]): NormalizedUser | null {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === null) {
      for (const field of ['id', 'username', 'email', 'ip_address']) delete merged[field];
    } else if (layer) {
      for (const key of layer.keys) if (!Object.hasOwn(layer.user, key)) delete merged[key];
      Object.assign(merged, layer.user);
    }
  }
  return Object.keys(merged).length > 0 ? (merged as NormalizedUser) : null;
}

const user = fc.record(
  {
    id: fc.constantFrom('u1', 'u2'),
    username: fc.constantFrom('ann', 'bob'),
    email: fc.constant('a@example.com'),
    ip_address: fc.constant('203.0.113.9'),
    plan: fc.constantFrom('free', 'pro'),
  },
  { requiredKeys: [] },
);
const layer: fc.Arbitrary<UserLayer> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.record({
    user,
    keys: fc.subarray(['id', 'username', 'email', 'ip_address', 'plan']),
  }),
);

describe('mergeScopeUsers', () => {
  it('merges any global, isolation and current layers as the plain merge does', () => {
    fc.assert(
      fc.property(fc.array(layer, { minLength: 1, maxLength: 3 }), (layers) => {
        expect(mergeScopeUsers(layers)).toEqual(referenceMerge(layers));
      }),
      { numRuns: 2000 },
    );
  });

  it('answers null for the one layer of an empty user, and under a cleared scope', () => {
    expect(mergeScopeUsers([undefined, { user: {}, keys: [] }, undefined])).toBeNull();
    expect(mergeScopeUsers([null, undefined, { user: { plan: 'pro' }, keys: ['plan'] }])).toEqual({
      plan: 'pro',
    });
    expect(mergeScopeUsers([{ user: { id: 'u1' }, keys: ['id'] }, null])).toBeNull();
  });
});

describe("an event's tags, contexts and extra", () => {
  it('are the scopes’ merged in order, under the event’s own', async () => {
    const global = new Scope().setTag('region', 'eu').setExtra('build', 7);
    const isolation = new Scope();
    const current = new Scope().setTag('region', 'us').setContext('job', { id: 3 });
    const event = await prepareEvent(
      { tags: { own: 'yes' }, contexts: { app: { name: 'x' } } },
      chain(global, isolation, current),
      options,
    );
    expect(event.tags).toEqual({ region: 'us', own: 'yes' });
    expect(event.contexts).toEqual({ job: { id: 3 }, app: { name: 'x' } });
    expect(event.extra).toEqual({ build: 7 });
  });

  it('are as before when the event brings values that are not objects', async () => {
    const scopes = chain(new Scope().setTag('region', 'eu'), new Scope(), new Scope());
    const event = await prepareEvent(
      { tags: 'ab', extra: 5 } as unknown as Parameters<typeof prepareEvent>[0],
      scopes,
      options,
    );
    // Object.assign's reading of a string and a number, as a plain merge would give.
    expect(event.tags).toEqual({ region: 'eu', 0: 'a', 1: 'b' });
    expect(event.extra).toBe(5);
  });

  it('are left out when no scope and not the event has any', async () => {
    const event = await prepareEvent({}, chain(new Scope(), new Scope(), new Scope()), options);
    expect(event).not.toHaveProperty('tags');
    expect(event).not.toHaveProperty('contexts');
    expect(event).not.toHaveProperty('extra');
    expect(event).not.toHaveProperty('breadcrumbs');
  });
});
