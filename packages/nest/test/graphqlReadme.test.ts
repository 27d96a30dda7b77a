// The README's GraphQL module is this package's test/graphqlReadme.ts, word for word (so the
// type check compiles it), and does what the README says next to XModule, on Express and Fastify.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { type INestApplication, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snippets } from '../../../tests/packed/readme.js';
import { flush, XModule } from '../src/index.js';
import { JwtStrategy } from './app.js';
import { bearer, type Platform } from './graphqlApp.js';
import { GraphqlModule } from './graphqlReadme.js';
import { startTestInbox, storedEvent, storedEvents } from './helpers.js';

const README_FILE = 'src/nest/graphql.module.ts';

it(`the README's ${README_FILE} is test/graphqlReadme.ts`, () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = snippets(readme).find((s) => s.file === README_FILE);
  expect(snippet?.code).toBe(readFileSync(new URL('./graphqlReadme.ts', import.meta.url), 'utf8'));
});

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

describe.each(['express', 'fastify'] as Platform[])(
  'the README’s GraphQL module on %s',
  (platform) => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      @Module({
        imports: [
          XModule.forRoot({ dsn: inbox.dsn, sendDefaultPii: true, sendClientReports: false }),
          PassportModule,
          GraphqlModule,
        ],
        providers: [JwtStrategy],
      })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = moduleRef.createNestApplication(
        platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
        { logger: false },
      );
      await app.listen(0, '127.0.0.1');
      url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    });
    afterAll(() => app.close());

    it('the resolver’s error is captured with the token’s user, as `query Balance`', async () => {
      const before = (await storedEvents(inbox)).length;
      const send = (authorization?: string) =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify({ query: 'query Balance { balance }' }),
        });
      // Without a token the guard answers 401: a client error, not captured.
      expect(await (await send()).json()).toMatchObject({
        errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
      });
      expect(await (await send(bearer('reader'))).json()).toMatchObject({
        errors: [{ message: 'ledger unavailable' }],
      });
      expect(await flush(5000)).toBe(true);
      const events = (await storedEvents(inbox)).slice(before);
      expect(events.map((e) => [e.title, e.user_key])).toEqual([
        ['Error: ledger unavailable', 'id:reader'],
      ]);
      expect((await storedEvent(inbox, events[0]?.id ?? '')).transaction).toBe('query Balance');
    });
  },
);
