// A code-first GraphQL app (Apollo driver) for @x/nest's GraphQL tests, on Express or Fastify,
// with or without XModule. Each app gets its own resolver classes: XModule adds an interceptor to
// the metadata of resolvers with their own filters, and an app built without XModule must not
// inherit it from one built with it.
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import {
  type CanActivate,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  Injectable,
  type LoggerService,
  Module,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  Args,
  Context,
  Field,
  GqlExecutionContext,
  GraphQLModule,
  ID,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { AuthGuard, PassportModule } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { GraphQLError } from 'graphql';
import jsonwebtoken from 'jsonwebtoken';
import { captureMessage, getEventUser, XModule, type XModuleOptions } from '../src/index.js';
import { JwtStrategy, SECRET } from './app.js';

/** The HTTP platform an app runs on. */
export type Platform = 'express' | 'fastify';

/** The GraphQL `User` type. */
@ObjectType('User')
export class GqlUser {
  @Field(() => ID, { nullable: true }) id?: string | undefined;
  @Field(() => String, { nullable: true }) username?: string | undefined;
  @Field(() => String, { nullable: true }) email?: string | undefined;
}

/** The JWT's user when there is a valid Bearer token; anonymous otherwise. */
@Injectable()
export class GqlAuthGuard extends AuthGuard('jwt') {
  override getRequest(context: ExecutionContext) {
    return GqlExecutionContext.create(context).getContext().req;
  }
  override handleRequest<T>(_err: unknown, user: T): T {
    return (user || null) as T;
  }
}

/** Lets nobody through: Nest answers with a ForbiddenException. */
@Injectable()
class AdminGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** A guard that crashes: its error never reaches the resolver. */
@Injectable()
class CrashingGuard implements CanActivate {
  canActivate(): boolean {
    throw new Error('graphql guard crashed');
  }
}

/** A resolver-scoped filter with its own answer: global filters never see its errors. */
@Catch()
class ResolverFilter implements ExceptionFilter {
  catch(exception: unknown): GraphQLError {
    return new GraphQLError('handled by the resolver’s filter', {
      extensions: { code: 'HANDLED', reason: (exception as Error).message },
    });
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fresh resolver classes (see the file's comment). */
function resolvers() {
  @Resolver(() => GqlUser)
  @UseGuards(GqlAuthGuard)
  class UserResolver {
    @Query(() => String, { nullable: true })
    boom(@Args('note', { nullable: true }) _note?: string): string {
      throw new Error('boom');
    }

    @Query(() => String, { nullable: true })
    @UseGuards(CrashingGuard)
    guardCrash(): string {
      return 'unreachable';
    }

    @Query(() => String)
    mustBoom(): string {
      throw new Error('must boom');
    }

    @Query(() => GqlUser, { nullable: true })
    async crashUser(): Promise<GqlUser> {
      await pause(1);
      throw new Error('crash user');
    }

    @Query(() => GqlUser, { nullable: true })
    @UseGuards(AdminGuard)
    forbidden(): GqlUser {
      return { id: 'never' };
    }

    @Query(() => String, { nullable: true })
    badInput(@Args('value', { nullable: true }) value?: string): string {
      throw new GraphQLError(`bad input: ${value?.length ?? 0} characters`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }

    @Query(() => String, { nullable: true })
    plainGraphqlError(): string {
      throw new GraphQLError('plain graphql error');
    }

    @Query(() => GqlUser, { nullable: true })
    whoami(@Context('req') req: { user?: GqlUser | null }): GqlUser | null {
      return req.user ?? null;
    }

    @Query(() => GqlUser, { nullable: true })
    async eventUser(): Promise<GqlUser | null> {
      await pause(Math.random() * 5);
      const user = await getEventUser();
      return user ? { id: user.id, username: user.username, email: user.email } : null;
    }

    @Query(() => String)
    report(): string {
      return captureMessage('graphql report');
    }

    @Query(() => String, { nullable: true })
    async slow(
      @Args('tag') tag: string,
      @Args('fail', { nullable: true }) fail?: boolean,
    ): Promise<string> {
      await pause(Math.random() * 10);
      await pause(Math.random() * 10);
      if (fail) throw new Error(`slow failed: ${tag}`);
      return tag;
    }

    @Mutation(() => String, { nullable: true })
    pay(@Args('amount', { type: () => Int }) amount: number): string {
      throw new Error(`payment of ${amount} failed`);
    }

    @ResolveField(() => String, { nullable: true })
    secret(@Parent() user: GqlUser): string {
      throw new Error(`secret of ${user.id} unavailable`);
    }

    @ResolveField(() => String, { nullable: true })
    badge(): string {
      throw new Error('badge unavailable');
    }
  }
  @Resolver()
  @UseGuards(GqlAuthGuard)
  @UseFilters(ResolverFilter)
  class FilteredResolver {
    @Query(() => String, { nullable: true })
    filtered(): string {
      throw new Error('filtered boom');
    }
  }
  return [UserResolver, FilteredResolver];
}

/** The app's module: GraphQL as an app writes it, plus XModule when `x` is given. */
export function graphqlAppModule(x: XModuleOptions | undefined) {
  @Module({
    imports: [
      ...(x ? [XModule.forRoot(x)] : []),
      PassportModule,
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        graphiql: false,
        includeStacktraceInErrorResponses: false,
      }),
    ],
    providers: [JwtStrategy, ...resolvers()],
  })
  class GraphqlAppModule {}
  return GraphqlAppModule;
}

/** A Bearer token for `sub`. */
export const bearer = (sub: string) =>
  `Bearer ${jsonwebtoken.sign({ sub, username: `name-${sub}`, email: `${sub}@example.com` }, SECRET)}`;

/** A started app and how to send it GraphQL requests over real HTTP. */
export interface GraphqlApp {
  app: INestApplication;
  url: string;
  /** POSTs one operation; `sub` signs in as that user. */
  post(
    query: string,
    options?: { variables?: Record<string, unknown>; sub?: string },
  ): Promise<{ status: number; body: unknown }>;
}

/** Starts the app on 127.0.0.1, a free port; Nest logs to `logger` (nowhere by default). */
export async function startGraphqlApp(
  platform: Platform,
  x: XModuleOptions | undefined,
  logger: LoggerService | false = false,
): Promise<GraphqlApp> {
  const moduleRef = await Test.createTestingModule({ imports: [graphqlAppModule(x)] }).compile();
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = moduleRef.createNestApplication(adapter, { logger });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  const post: GraphqlApp['post'] = async (query, { variables, sub } = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(sub ? { authorization: bearer(sub) } : {}),
      },
      body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
    });
    return { status: res.status, body: await res.json() };
  };
  return { app, url, post };
}
