import { DateTimeResolver, UUIDResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

@ObjectType('Session', { description: 'One signed-in device. Its tokens are never shown here.' })
export class SessionType {
  @Field(() => UUIDResolver)
  id!: string;

  @Field()
  ipAddress!: string;

  @Field()
  userAgent!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver)
  lastUsedAt!: Date;

  @Field(() => DateTimeResolver)
  expiresAt!: Date;
}
