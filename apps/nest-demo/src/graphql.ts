// The demo's GraphQL endpoint (code-first, Apollo): `query Boom { boom }` fails, `whoami` answers
// the user as @x would send it. The Bearer token is checked by the same passport strategy as the
// REST routes, through the GraphQL context's request; @x needs nothing beyond XModule.
import { type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { Args, Field, GqlExecutionContext, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { getEventUser, setTag } from '@x/nest';
import { OptionalJwtGuard } from './auth.js';

/** The user as the SDK would send it (fields it leaves out are null). */
@ObjectType()
export class GqlUser {
  @Field(() => String, { nullable: true }) id?: string | undefined;
  @Field(() => String, { nullable: true }) username?: string | undefined;
  @Field(() => String, { nullable: true }) email?: string | undefined;
}

/** The REST guard, reading the request from the GraphQL context. */
@Injectable()
export class GqlOptionalJwtGuard extends OptionalJwtGuard {
  override getRequest(context: ExecutionContext) {
    return GqlExecutionContext.create(context).getContext<{ req: unknown }>().req;
  }
}

@Resolver()
@UseGuards(GqlOptionalJwtGuard)
export class DemoResolver {
  /** Fails; `tag` (optional) goes on the event, so a test can tell its requests apart. */
  @Query(() => String)
  boom(@Args('tag', { type: () => String, nullable: true }) tag?: string): string {
    if (tag) setTag('demo.tag', tag);
    throw new Error('boom');
  }

  @Query(() => GqlUser, { nullable: true })
  async whoami(): Promise<GqlUser | null> {
    const user = await getEventUser();
    return user && { id: user.id, username: user.username, email: user.email };
  }
}
