import { DateTimeResolver, UUIDResolver } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

@ObjectType('Session', { description: 'One signed-in device. Its tokens are never shown here.' })
export class SessionType {
  @Field(() => UUIDResolver, { description: 'Pass to revokeSession to end it.' })
  id!: string;

  @Field({ description: 'The client address at login.' })
  ipAddress!: string;

  @Field({ description: 'The client software at login.' })
  userAgent!: string;

  @Field(() => DateTimeResolver, { description: 'When the login happened.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { description: 'The last token refresh.' })
  lastUsedAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When the refresh token stops working unless refreshed.' })
  expiresAt!: Date;
}
