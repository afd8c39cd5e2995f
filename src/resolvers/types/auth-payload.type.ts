import { Field, Int, ObjectType } from 'type-graphql';
import { UserType } from './user.type';

@ObjectType('AuthPayload', { description: 'A fresh token pair. Send the access token as "Authorization: Bearer ...".' })
export class AuthPayloadType {
  @Field()
  accessToken!: string;

  @Field({ description: 'Works once: each refresh returns a new one.' })
  refreshToken!: string;

  @Field()
  tokenType!: string;

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field(() => UserType)
  user!: UserType;
}
