import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import type { DeadLetterService } from './dead-letter.service';
import { presentDeadLetter } from './dead-letter.presenter';
import { DeadLetterType } from './dead-letter.type';

@Resolver()
export class DeadLetterResolver {
  constructor(private readonly letters: DeadLetterService) {}

  @Query(() => [DeadLetterType], { description: 'Jobs of a queue that failed for good, oldest first (admins).' })
  async deadLetters(@Arg('queue', { description: 'e.g. mail.send' }) queue: string, @Ctx() ctx: RequestContext): Promise<DeadLetterType[]> {
    return (await this.letters.list(ctx, queue)).map(presentDeadLetter);
  }

  @Mutation(() => String, { description: 'Sends a dead letter back to its queue for a fresh set of attempts; returns the new job id (admins).' })
  retryDeadLetter(@Arg('queue') queue: string, @Arg('id') id: string, @Ctx() ctx: RequestContext): Promise<string> {
    return this.letters.retry(ctx, queue, id);
  }
}
