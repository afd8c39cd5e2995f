import { Field, Int, ObjectType } from 'type-graphql';
import { UserType } from '../users/user.type';

@ObjectType('AuthPayload', { description: 'A fresh token pair. Send the access token as "Authorization: Bearer ...".' })
export class AuthPayloadType {
  @Field({ description: 'A short-lived JWT for the Authorization header.' })
  accessToken!: string;

  @Field({ description: 'Works once: each refresh returns a new one.' })
  refreshToken!: string;

  @Field({ description: 'Always Bearer.' })
  tokenType!: string;

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field(() => UserType, { description: 'The signed-in user.' })
  user!: UserType;
}
