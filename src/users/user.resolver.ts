import { UUIDResolver } from 'graphql-scalars';
import { Arg, Ctx, Directive, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import type { AuditLog } from '../audit/audit-log.entity';
import { CreateUserInput, UpdateUserInput } from './user.inputs';
import { DEFAULT_PAGE_SIZE, DEFAULT_USER_ORDER, UserFilterInput, UserOrderInput } from './user-query.inputs';
import type { UserView } from './user-view';
import { requireActor } from '../auth/auth.service';
import { expectedVersion } from './version.precondition';
import type { AuditQueryService } from '../audit/audit-query.service';
import type { SessionService } from '../auth/sessions/session.service';
import type { UserService } from './user.service';
import { AuditLogType } from '../audit/audit-log.type';
import { SessionType } from '../auth/sessions/session.type';
import { UserConnectionType, UserType } from './user.type';

@Resolver(() => UserType)
export class UserResolver {
  constructor(
    private readonly userService: UserService,
    private readonly sessionService: SessionService,
    private readonly auditQueries: AuditQueryService,
  ) {}

  @Query(() => UserType, { description: 'The signed-in user.' })
  me(@Ctx() ctx: RequestContext): Promise<UserView> {
    return this.userService.getUserById(ctx, requireActor(ctx).id);
  }

  @Query(() => UserType, { description: 'A user by id. Plain users see only themselves.' })
  user(@Arg('id', () => UUIDResolver) id: string, @Ctx() ctx: RequestContext): Promise<UserView> {
    return this.userService.getUserById(ctx, id);
  }

  @Query(() => UserConnectionType, { description: 'Users matching a filter, page by page.' })
  async users(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => UserFilterInput, { nullable: true }) filter?: UserFilterInput,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: 'At most 100.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('orderBy', () => UserOrderInput, { nullable: true }) orderBy?: UserOrderInput,
  ): Promise<UserConnectionType> {
    const page = await this.userService.listUsersByCursor(ctx, filter ?? {}, orderBy ?? DEFAULT_USER_ORDER, { first, ...(after ? { after } : {}) });
    return {
      edges: page.edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor, startCursor: page.startCursor },
      totalCount: page.totalCount,
    };
  }

  @Mutation(() => UserType, { description: 'Sign-up without a token; admins create any account.' })
  createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: RequestContext): Promise<UserView> {
    return this.userService.createUser(ctx, input);
  }

  @Mutation(() => UserType, { description: 'Changes some fields; role, isActive and emailVerified need the right role.' })
  updateUser(
    @Arg('id', () => UUIDResolver) id: string,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Ctx() ctx: RequestContext,
    @Arg('expectedVersion', () => Int, { nullable: true, description: 'Change it only while the user is at this version (else PRECONDITION_FAILED). Required (else PRECONDITION_REQUIRED) when the server sets REQUIRE_IF_MATCH.' }) version?: number | null,
  ): Promise<UserView> {
    return this.userService.updateUser(ctx, id, input, 'merge', expectedVersion(version));
  }

  @Mutation(() => Boolean, { description: 'Soft-deletes the user and ends all of their sessions.' })
  async deleteUser(
    @Arg('id', () => UUIDResolver) id: string,
    @Ctx() ctx: RequestContext,
    @Arg('expectedVersion', () => Int, { nullable: true, description: 'Delete it only while the user is at this version (else PRECONDITION_FAILED). Required (else PRECONDITION_REQUIRED) when the server sets REQUIRE_IF_MATCH.' }) version?: number | null,
  ): Promise<boolean> {
    await this.userService.deleteUser(ctx, id, expectedVersion(version));
    return true;
  }

  @FieldResolver(() => [AuditLogType], { description: "The user's newest audit entries as actor (up to 50)." })
  @Directive('@auth(requires: ADMIN)')
  auditLogs(@Root() user: UserView, @Ctx() ctx: RequestContext): Promise<AuditLog[]> {
    return this.auditQueries.recentByActor(ctx, user.id);
  }

  @FieldResolver(() => [SessionType], { nullable: true })
  sessions(@Root() user: UserView, @Ctx() ctx: RequestContext): Promise<SessionType[]> {
    return this.sessionService.sessionsOf(ctx, user);
  }
}
