import { DateTimeResolver, EmailAddressResolver, UUIDResolver } from 'graphql-scalars';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { UserRole } from '../../entities/user-role';
import '../../dto/graphql-enums';
import { SessionType } from './session.type';

@ObjectType('User', { description: 'An account. Password hashes and deletion marks are never exposed.' })
export class UserType {
  @Field(() => UUIDResolver)
  id!: string;

  @Field()
  username!: string;

  @Field(() => EmailAddressResolver)
  email!: string;

  @Field()
  firstName!: string;

  @Field()
  lastName!: string;

  @Field(() => String, { nullable: true, description: 'E.164.' })
  phone!: string | null;

  @Field(() => UserRole)
  role!: UserRole;

  @Field()
  isActive!: boolean;

  @Field()
  emailVerified!: boolean;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver)
  updatedAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  lastLoginAt!: Date | null;

  @Field(() => [SessionType], { nullable: true, description: 'Live sessions; visible to the user and to admins.' })
  @Directive('@auth(requires: USER)')
  sessions?: SessionType[];
}

@ObjectType('PageInfo')
export class PageInfoType {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;
}

@ObjectType('UserEdge')
export class UserEdgeType {
  @Field({ description: 'Pass as `after` to continue behind this user.' })
  cursor!: string;

  @Field(() => UserType)
  node!: UserType;
}

@ObjectType('UserConnection', { description: 'A page of users, Relay style.' })
export class UserConnectionType {
  @Field(() => [UserEdgeType])
  edges!: UserEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  @Field(() => Int, { description: 'Users matching the filter, on all pages.' })
  totalCount!: number;
}
