import type { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, UUIDResolver } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { UserRole } from './user-role';
import '../graphql/graphql-enums';
import { SessionType } from '../auth/sessions/session.type';
import { PUBLIC_USER_FIELD_NAMES, USER_VIEW_FIELDS, type UserView, type UserViewFieldKind } from './user-view';

/** The GraphQL type of each kind of read model field. */
export const GRAPHQL_TYPE_OF_KIND: Record<UserViewFieldKind, GraphQLScalarType | typeof UserRole | StringConstructor | BooleanConstructor> = {
  uuid: UUIDResolver,
  text: String,
  role: UserRole,
  boolean: Boolean,
  integer: Int,
  timestamp: DateTimeResolver,
};

// The read model's public fields, as the class declares none of them itself (see below).
export interface UserType extends Pick<UserView, (typeof PUBLIC_USER_FIELD_NAMES)[number]> {}

@ObjectType('User', { description: 'An account. Password hashes and deletion marks are never exposed.' })
export class UserType {
  sessions?: SessionType[];
}

/*
 * The fields come from the read model (src/users/user-view.ts), declared with the same decorators
 * applied in a loop rather than written out per field. sessions follows them, declared here rather
 * than in the class body: type-graphql keeps declaration order, which is the schema's order.
 */
for (const name of PUBLIC_USER_FIELD_NAMES) {
  const field = USER_VIEW_FIELDS[name];
  const type = GRAPHQL_TYPE_OF_KIND[field.kind];
  Field(() => type, { nullable: field.nullable, description: field.description })(UserType.prototype, name);
}
Field(() => [SessionType], { nullable: true, description: 'Live sessions; visible to the user and to admins.' })(UserType.prototype, 'sessions');
Directive('@auth(requires: USER)')(UserType.prototype, 'sessions');

@ObjectType('PageInfo', { description: 'Where a page ends, and whether more follow.' })
export class PageInfoType {
  @Field({ description: 'True when another page follows this one.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the first edge.' })
  startCursor!: string | null;
}

@ObjectType('UserEdge', { description: 'A user and its position in the listing.' })
export class UserEdgeType {
  @Field({ description: 'Pass as `after` to continue behind this user.' })
  cursor!: string;

  @Field(() => UserType, { description: 'The user.' })
  node!: UserType;
}

@ObjectType('UserConnection', { description: 'A page of users, Relay style.' })
export class UserConnectionType {
  @Field(() => [UserEdgeType], { description: 'The users of this page, in order.' })
  edges!: UserEdgeType[];

  @Field(() => PageInfoType, { description: 'Paging state.' })
  pageInfo!: PageInfoType;

  @Field(() => Int, { description: 'Users matching the filter, on all pages.' })
  totalCount!: number;
}
