import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A job that failed for good; its data (addresses, links) is not shown.' })
export class DeadLetterType {
  @Field({ description: 'Pass it to retryDeadLetter.' })
  id!: string;

  @Field({ description: 'The queue it failed in, e.g. mail.send.' })
  queue!: string;

  @Field({ description: 'When it was dead-lettered (ISO 8601).' })
  createdAt!: string;

  @Field(() => String, { nullable: true, description: 'The last error, in the handler\'s words.' })
  error!: string | null;
}
