import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type ExecutionContext, Injectable, Module, UseGuards } from '@nestjs/common';
import { GqlExecutionContext, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';

/** Your JWT strategy's guard, reading the request from the GraphQL context: it sets `req.user`. */
@Injectable()
export class GqlAuthGuard extends AuthGuard('jwt') {
  override getRequest(context: ExecutionContext) {
    return GqlExecutionContext.create(context).getContext().req;
  }
}

/** Any resolver: its guard sets the user, XModule does the rest. */
@Resolver()
@UseGuards(GqlAuthGuard)
export class AccountResolver {
  @Query(() => String)
  balance(): string {
    // Captured with the token's user, as `query <operation name>`.
    throw new Error('ledger unavailable');
  }
}

/** Imported next to XModule (and your JWT strategy's module) in AppModule: nothing else to add. */
@Module({
  imports: [
    GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true }),
  ],
  providers: [AccountResolver],
})
export class GraphqlModule {}
