/**
 * What a queue is, what a handler receives, and what the queue reports. Queues are declared up
 * front (every instance that enqueues needs them, not only those that work them).
 */
export interface QueueDefinition {
  /** Letters, digits, `_`, `-` and `.` only: pg-boss writes queue names into its SQL. */
  name: string;
  /** Attempts after the first one. */
  retryLimit?: number;
  /** Seconds before the first retry; later ones back off exponentially (with jitter) up to retryDelayMaxSeconds. */
  retryDelaySeconds?: number;
  retryDelayMaxSeconds?: number;
  /** A job running longer is considered lost (its instance died) and is retried. */
  expireInSeconds?: number;
  /** How long a completed job is kept (it may carry personal data: keep it short). */
  deleteAfterSeconds?: number;
  /** How long a job may wait in the queue before pg-boss gives up on it. */
  retentionSeconds?: number;
  /** Where jobs go when their attempts are spent or a handler says the failure is permanent. Default `<name>.dead`. */
  deadLetter?: string | false;
}

export interface JobContext {
  id: string;
  queue: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** How many retries the job may still have after this attempt. */
  retriesLeft: number;
  /** Aborted when the queue stops and this job outlives the shutdown grace period. */
  signal: AbortSignal;
}

export type JobHandler<T = unknown> = (data: T, context: JobContext) => Promise<void>;

export interface WorkOptions {
  /** Jobs of this queue run at once by this instance. */
  concurrency?: number;
  /** How often an idle worker looks for new jobs (wake() and local enqueues wake it sooner). */
  pollIntervalMs?: number;
}

/** Called as things happen, for metrics and logs; must not throw. */
export interface JobQueueHooks {
  enqueued?(queue: string): void;
  completed?(queue: string, durationMs: number): void;
  failed?(queue: string, outcome: { retrying: boolean; permanent: boolean; durationMs: number; error: unknown }): void;
  /** A job given back at shutdown, to be run by another instance (or this one after a restart). */
  returned?(queue: string): void;
}

export interface QueueStats {
  queue: string;
  /** Waiting to run, including retries waiting for their back-off. */
  queued: number;
  active: number;
  /** Failed for good (still listed until deleted); their copies wait in the dead-letter queue. */
  failed: number;
  completed: number;
  /** Age of the oldest waiting job, 0 when none waits. */
  oldestQueuedAgeSeconds: number;
}

export interface DeadLetter {
  id: string;
  queue: string;
  createdOn: Date;
  /** The last error, as the handler reported it. */
  error: string | undefined;
}
