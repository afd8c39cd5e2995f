import { DateTimeResolver, JSONObjectResolver, UUIDResolver } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { UserType } from './user.type';

@ObjectType('AuditLog', { description: 'Who did what to which entity. Admins only.' })
@Directive('@auth(requires: ADMIN)')
export class AuditLogType {
  @Field(() => UUIDResolver)
  id!: string;

  @Field(() => UUIDResolver, { nullable: true, description: 'The acting user, if any.' })
  userId!: string | null;

  @Field(() => UserType, { nullable: true, description: 'The acting user, unless since deleted.' })
  user?: UserType | null;

  @Field()
  action!: string;

  @Field()
  entityType!: string;

  @Field(() => UUIDResolver, { nullable: true })
  entityId!: string | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Changed fields before the change.' })
  oldValues!: Record<string, unknown> | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Changed fields after the change.' })
  newValues!: Record<string, unknown> | null;

  @Field()
  ipAddress!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

@ObjectType('AuditLogEdge')
export class AuditLogEdgeType {
  @Field()
  cursor!: string;

  @Field(() => AuditLogType)
  node!: AuditLogType;
}

@ObjectType('AuditLogPageInfo')
export class AuditLogPageInfoType {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType('AuditLogConnection')
export class AuditLogConnectionType {
  @Field(() => [AuditLogEdgeType])
  edges!: AuditLogEdgeType[];

  @Field(() => AuditLogPageInfoType)
  pageInfo!: AuditLogPageInfoType;

  @Field(() => Int)
  totalCount!: number;
}
