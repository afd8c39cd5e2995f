import type { RequestContext } from '../context/request-context';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../platform/errors/domain.errors';
import { assertUuid } from '../platform/validation/ids';
import { canOnUser } from '../users/user.policy';
import type { DeadLetter } from './job.types';
import type { AuditedCommands } from '../audit/audited-command.pipeline';

/** What the service needs of the queue (src/jobs/job.queue.ts). */
export interface DeadLetterStore {
  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  retryDeadLetter(queue: string, id: string): Promise<string | null>;
}

/**
 * Jobs that failed for good (a mail the SMTP server refused with 5xx, or whose retries ran out), for
 * admins: listed without their data (it holds addresses and links), and sent back for a fresh set of
 * attempts once the cause is fixed.
 */
export class DeadLetterService {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly store: DeadLetterStore,
    /** The queues that have dead letters, by name. */
    private readonly queues: readonly string[],
  ) {}

  async list(ctx: RequestContext, queue: string): Promise<DeadLetter[]> {
    this.authorize(ctx);
    return this.store.deadLetters(this.knownQueue(queue));
  }

  /**
   * Returns the id of the new job. The queue lives in its own tables (pg-boss's pool), so the retry
   * commits first and the audit row after it: a retry is never lost, its record at worst is.
   */
  async retry(ctx: RequestContext, queue: string, id: string): Promise<string> {
    return this.commands.run(ctx, {
      name: 'job.retry-dead-letter',
      validate: () => ({ queue, jobId: assertUuid(id, 'dead letter id') }),
      authorize: (input) => {
        this.authorize(ctx);
        return { ...input, queue: this.knownQueue(input.queue) };
      },
      work: async ({ audit }, { queue: known, jobId }) => {
        const retried = await this.store.retryDeadLetter(known, jobId);
        if (retried === null) throw new NotFoundError('No such dead letter in this queue.');
        audit({ action: 'job.dead_letter_retried', entityType: 'job', entityId: jobId, newValues: { queue: known, jobId: retried } });
        return retried;
      },
    });
  }

  private authorize(ctx: RequestContext): void {
    if (!ctx.actor) throw UnauthenticatedError.required();
    if (!canOnUser(ctx.actor, 'manageJobs')) throw new ForbiddenError('Dead letters are for admins.');
  }

  private knownQueue(queue: string): string {
    if (!this.queues.includes(queue)) throw new ValidationError([{ field: 'queue', message: `queue must be one of ${this.queues.join(', ')}` }]);
    return queue;
  }
}
