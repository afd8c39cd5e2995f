import type PgBoss from 'pg-boss';
import { PermanentJobError } from './job.errors';
import type { JobHandler, JobQueueHooks } from './job.types';

export interface WorkerLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

interface Running {
  job: PgBoss.JobWithMetadata<unknown>;
  abort: AbortController;
  /** Given back at shutdown: whatever the handler does later must not touch the job any more. */
  returned: boolean;
  done: Promise<void>;
}

export interface QueueWorkerDeps {
  boss: PgBoss;
  queue: string;
  handler: JobHandler<unknown>;
  concurrency: number;
  pollIntervalMs: number;
  hooks: JobQueueHooks;
  logger: WorkerLogger;
  /** Makes a job fail for good on this attempt (its copy goes to the dead-letter queue). */
  spendRetries(queue: string, id: string): Promise<void>;
  /** Puts active jobs back in the queue without counting the attempt. */
  giveBack(queue: string, ids: string[]): Promise<void>;
}

/** The message stored with a failed job and shown to admins: the error's own words, nothing from the job's data. */
function failureMessage(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);
}

/**
 * One queue's worker in one instance: fetches a job at a time with FOR UPDATE SKIP LOCKED (pg-boss),
 * runs up to `concurrency` at once, completes or fails each. Several instances share a queue safely
 * because a fetched job is `active` and invisible to every other fetch.
 */
export class QueueWorker {
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private nudge: (() => void) | undefined;

  constructor(private readonly deps: QueueWorkerDeps) {}

  start(): void {
    this.loopDone = this.loop();
  }

  /** Look for jobs now rather than at the next poll. */
  wake(): void {
    this.nudge?.();
  }

  /**
   * Stops fetching, lets running jobs finish for up to `timeoutMs`, then aborts the rest and gives
   * them back to the queue, so another instance runs them without their attempt being counted.
   */
  async stop(timeoutMs: number): Promise<number> {
    this.stopping = true;
    this.nudge?.();
    await this.loopDone;
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.allSettled([...this.running.values()].map((entry) => entry.done)), timeout]);
      clearTimeout(timer);
    }
    const left = [...this.running.values()];
    if (left.length === 0) return 0;
    for (const entry of left) {
      entry.returned = true;
      entry.abort.abort(new Error('the job queue is shutting down'));
    }
    await this.deps.giveBack(this.deps.queue, left.map((entry) => entry.job.id));
    for (const _entry of left) this.deps.hooks.returned?.(this.deps.queue);
    return left.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.nudge = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.nudge = done;
    });
  }

  private async loop(): Promise<void> {
    const { boss, queue, concurrency, pollIntervalMs, logger } = this.deps;
    while (!this.stopping) {
      if (this.running.size >= concurrency) {
        await this.sleep(pollIntervalMs);
        continue;
      }
      let jobs: PgBoss.JobWithMetadata<unknown>[];
      try {
        jobs = await boss.fetch<unknown>(queue, { batchSize: 1, includeMetadata: true });
      } catch (error) {
        // The database may be away for a while; the next poll tries again.
        logger.warn({ queue, err: error }, 'job fetch failed');
        await this.sleep(pollIntervalMs);
        continue;
      }
      if (jobs.length === 0) {
        await this.sleep(pollIntervalMs);
        continue;
      }
      for (const job of jobs) this.run(job);
    }
  }

  private run(job: PgBoss.JobWithMetadata<unknown>): void {
    const abort = new AbortController();
    const entry = { job, abort, returned: false } as Running;
    entry.done = this.execute(entry).finally(() => {
      this.running.delete(job.id);
      // A slot is free: a worker waiting on concurrency may fetch again.
      this.nudge?.();
    });
    this.running.set(job.id, entry);
  }

  private async execute(entry: Running): Promise<void> {
    const { boss, queue, handler, hooks, logger } = this.deps;
    const { job } = entry;
    const startedAt = Date.now();
    const retriesLeft = Math.max(0, job.retryLimit - job.retryCount);
    let failure: { error: unknown } | undefined;
    try {
      await handler(job.data, { id: job.id, queue, attempt: job.retryCount + 1, retriesLeft, signal: entry.abort.signal });
    } catch (error) {
      failure = { error };
    }
    if (entry.returned) return;
    if (!failure) {
      try {
        await boss.complete(queue, job.id);
        hooks.completed?.(queue, Date.now() - startedAt);
      } catch (completeError) {
        // Done but not recorded: the job expires and runs again (at least once, never lost).
        logger.error({ queue, jobId: job.id, err: completeError }, 'could not record a job completion');
      }
      return;
    }
    const { error } = failure;
    const permanent = error instanceof PermanentJobError;
    const retrying = !permanent && retriesLeft > 0;
    try {
      if (permanent) await this.deps.spendRetries(queue, job.id);
      await boss.fail(queue, job.id, { message: failureMessage(error) });
    } catch (failError) {
      // The job stays active; pg-boss's supervisor fails it when it expires, so it is not lost.
      logger.error({ queue, jobId: job.id, err: failError }, 'could not record a job failure');
    }
    hooks.failed?.(queue, { retrying, permanent, durationMs: Date.now() - startedAt, error });
    logger.warn(
      { queue, jobId: job.id, attempt: job.retryCount + 1, retrying, permanent, error: failureMessage(error) },
      retrying ? 'job failed, will retry' : 'job failed for good, sent to the dead-letter queue',
    );
  }
}
