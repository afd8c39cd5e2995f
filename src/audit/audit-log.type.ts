import { DateTimeResolver, JSONObjectResolver, UUIDResolver } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { UserType } from '../users/user.type';

@ObjectType('AuditLog', { description: 'Who did what to which entity. Admins only.' })
@Directive('@auth(requires: ADMIN)')
export class AuditLogType {
  @Field(() => UUIDResolver, { description: 'Stable identifier.' })
  id!: string;

  @Field(() => UUIDResolver, { nullable: true, description: 'The acting user, if any.' })
  userId!: string | null;

  @Field(() => UserType, { nullable: true, description: 'The acting user, unless since deleted.' })
  user?: UserType | null;

  @Field({ description: 'What happened, e.g. user.created or auth.login_failed.' })
  action!: string;

  @Field({ description: 'The kind of entity acted on: user or session.' })
  entityType!: string;

  @Field(() => UUIDResolver, { nullable: true, description: 'The entity acted on.' })
  entityId!: string | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Changed fields before the change.' })
  oldValues!: Record<string, unknown> | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Changed fields after the change.' })
  newValues!: Record<string, unknown> | null;

  @Field({ description: 'The client address of the request.' })
  ipAddress!: string;

  @Field(() => DateTimeResolver, { description: 'When it happened.' })
  createdAt!: Date;
}

@ObjectType('AuditLogEdge', { description: 'An audit entry and its position in the listing.' })
export class AuditLogEdgeType {
  @Field({ description: 'Pass as `after` to continue behind this entry.' })
  cursor!: string;

  @Field(() => AuditLogType, { description: 'The entry.' })
  node!: AuditLogType;
}

@ObjectType('AuditLogPageInfo', { description: 'Where a page of audit entries ends.' })
export class AuditLogPageInfoType {
  @Field({ description: 'True when another page follows this one.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;
}

@ObjectType('AuditLogConnection', { description: 'A page of audit entries, newest first.' })
export class AuditLogConnectionType {
  @Field(() => [AuditLogEdgeType], { description: 'The entries of this page.' })
  edges!: AuditLogEdgeType[];

  @Field(() => AuditLogPageInfoType, { description: 'Paging state.' })
  pageInfo!: AuditLogPageInfoType;

  @Field(() => Int, { description: 'Entries matching the filter, on all pages.' })
  totalCount!: number;
}
