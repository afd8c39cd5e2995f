import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What an e-mail flow did, in words for the user.' })
export class AccountEmailResult {
  @Field({ description: 'A sentence to show the user.' })
  message!: string;

  @Field(() => String, { nullable: true, description: 'The address confirmed or now in use, where the flow set one.' })
  email!: string | null;
}
