import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { UserView } from '../users/user-view';
import type { RequestContext } from '../context/request-context';
import { AuditLogFilterInput } from './audit-query.inputs';
import { DEFAULT_PAGE_SIZE } from '../users/user-query.inputs';
import type { AuditLog } from './audit-log.entity';
import type { AuditQueryService } from './audit-query.service';
import { AuditLogConnectionType, AuditLogType } from './audit-log.type';
import { UserType } from '../users/user.type';

@Resolver(() => AuditLogType)
export class AuditLogResolver {
  constructor(private readonly auditQueries: AuditQueryService) {}

  @Query(() => AuditLogConnectionType, { description: 'The audit trail, newest first.' })
  async auditLogs(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => AuditLogFilterInput, { nullable: true }) filter?: AuditLogFilterInput,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: 'At most 100.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<AuditLogConnectionType> {
    const page = await this.auditQueries.auditLogsByCursor(ctx, filter ?? {}, { first, ...(after ? { after } : {}) });
    return { edges: page.edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
  }

  @FieldResolver(() => UserType, { nullable: true })
  user(@Root() entry: AuditLog, @Ctx() ctx: RequestContext): Promise<UserView | null> {
    return this.auditQueries.actorOf(ctx, entry);
  }
}
