// Sentry mode for GraphQL resolvers: the real @sentry/nestjs with `xUserIntegration()`, the GraphQL
// app of the other tests with `XModule.forRoot({ sentry: true })`, and Sentry's `SentryGlobalFilter`
// as the app's global filter — Sentry captures each resolver's error (its GraphQL branch) and the
// event carries the user of the HTTP request that carried the operation.
import type { INestApplication } from '@nestjs/common';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter } from '@sentry/nestjs/setup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xUserIntegration } from '../src/sentry.js';
import { type GraphqlApp, startGraphqlApp } from './graphqlApp.js';
import { sentryToInbox } from './sentryModeHelpers.js';

const sentry = sentryToInbox({ integrations: [xUserIntegration()] });
const { sent } = sentry;

const COUNT = 300;
const SUBS = ['g-ada', 'g-bob', 'g-cyd'];

describe.each(['express', 'fastify'] as const)('Sentry mode, GraphQL on %s', (platform) => {
  let gql: GraphqlApp;
  let app: INestApplication;
  beforeAll(async () => {
    gql = await startGraphqlApp(platform, { sentry: true });
    app = gql.app;
    app.useGlobalFilters(new SentryGlobalFilter(app.getHttpAdapter()));
  });
  afterAll(() => app.close());

  it(`${COUNT} overlapping operations of 3 users whose resolvers throw: each Sentry event its own operation’s user`, async () => {
    const before = sent.events.length;
    const query = 'query Slow($tag: String!) { slow(tag: $tag, fail: true) }';
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const i = next++;
        const tag = `gql-${platform}-${i}`;
        const { status } = await gql.post(query, {
          variables: { tag },
          sub: SUBS[i % 3] as string,
        });
        expect(status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(await Sentry.flush(30_000)).toBe(true);
    const byTag = new Map<string, unknown[]>();
    for (const event of await sentry.events()) {
      const tag = /slow failed: (gql-\S+)$/.exec(event.title)?.[1];
      if (tag) byTag.set(tag, [...(byTag.get(tag) ?? []), event.user?.id]);
    }
    let own = 0;
    for (let i = 0; i < COUNT; i++) {
      const ids = byTag.get(`gql-${platform}-${i}`) ?? [];
      if (ids.length === 1 && ids[0] === SUBS[i % 3]) own++;
    }
    expect(own).toBe(COUNT);
    const mine = sent.events.slice(before);
    expect(mine).toHaveLength(COUNT);
    expect(
      new Set(
        mine.map(
          (e) =>
            (e.exception as { values: { mechanism: { type: string } }[] }).values[0]?.mechanism
              .type,
        ),
      ),
    ).toEqual(new Set(['auto.graphql.nestjs.global_filter']));
  });
});
