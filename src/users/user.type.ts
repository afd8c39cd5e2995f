import { DateTimeResolver, UUIDResolver } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { UserRole } from './user-role';
import '../graphql/graphql-enums';
import { SessionType } from '../auth/sessions/session.type';

@ObjectType('User', { description: 'An account. Password hashes and deletion marks are never exposed.' })
export class UserType {
  @Field(() => UUIDResolver, { description: 'Stable identifier.' })
  id!: string;

  @Field({ description: 'Unique in any letter case among live users.' })
  username!: string;

  @Field(() => String, { description: 'As stored (NFC, lower case). A plain String: an address stored before a stricter rule is still served. Unique among live users however it is spelt.' })
  email!: string;

  @Field({ description: 'Given name, 1-100 characters.' })
  firstName!: string;

  @Field({ description: 'Family name, 1-100 characters.' })
  lastName!: string;

  @Field(() => String, { nullable: true, description: 'E.164.' })
  phone!: string | null;

  @Field(() => UserRole, { description: 'What the user may do.' })
  role!: UserRole;

  @Field({ description: 'Inactive users cannot sign in; deactivation ends their sessions.' })
  isActive!: boolean;

  @Field({ description: 'Set by admins.' })
  emailVerified!: boolean;

  @Field(() => DateTimeResolver, { description: 'When the account was created.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When the account last changed.' })
  updatedAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The last successful login, if any.' })
  lastLoginAt!: Date | null;

  @Field(() => Int, { description: 'Moves with every change of the account; pass it as expectedVersion to change it only if nobody did first.' })
  version!: number;

  @Field(() => [SessionType], { nullable: true, description: 'Live sessions; visible to the user and to admins.' })
  @Directive('@auth(requires: USER)')
  sessions?: SessionType[];
}

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
