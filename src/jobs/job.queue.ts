import PgBoss from 'pg-boss';
import { jobDbOf, type TransactionHandle } from './job-db.adapter';
import type { DeadLetter, JobHandler, JobQueueHooks, QueueDefinition, QueueStats, WorkOptions } from './job.types';
import { QueueWorker, type WorkerLogger } from './queue.worker';

export interface JobQueueLogger extends WorkerLogger {
  info(object: object, message: string): void;
}

export interface JobQueueOptions {
  /** The application's own database: jobs live in their own schema there (plain tables, no extension). */
  connectionString: string;
  queues: QueueDefinition[];
  /** Default `pgboss`. */
  schema?: string;
  /** Connections of the queue's own pool (fetching, completing, maintenance). */
  poolMax?: number;
  hooks?: JobQueueHooks;
  logger?: JobQueueLogger;
  /** pg-boss's maintenance: expiring jobs whose instance died, deleting old ones. On by default. */
  supervise?: boolean;
}

export interface EnqueueOptions {
  /** Write the job in this transaction: it exists only if the transaction commits. */
  db?: TransactionHandle;
  startAfterSeconds?: number;
  /** At most one waiting job per key (a second enqueue with the same key is dropped and returns null). */
  singletonKey?: string;
}

const QUEUE_NAME = /^[A-Za-z0-9_.-]+$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const silent: JobQueueLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** `mail.send` -> `mail.send.dead`. */
export function deadLetterName(definition: QueueDefinition): string | undefined {
  return definition.deadLetter === false ? undefined : (definition.deadLetter ?? `${definition.name}.dead`);
}

/**
 * A durable job queue on PostgreSQL (pg-boss 11). Jobs survive crashes and restarts; every instance
 * with the same database shares the queues; a job can be written inside the caller's transaction.
 *
 *   const jobs = new JobQueue({ connectionString, queues: [{ name: 'mail.send', retryLimit: 8 }] });
 *   jobs.handle('mail.send', sendMail);
 *   await jobs.start();
 *   await em.transactional(async (tx) => { ...; await jobs.enqueue('mail.send', data, { db: tx }); });
 *   await jobs.stop({ timeoutMs: 10_000 });
 */
export class JobQueue {
  private readonly boss: PgBoss;
  private readonly schema: string;
  private readonly definitions = new Map<string, QueueDefinition>();
  private readonly handlers = new Map<string, { handler: JobHandler<unknown>; options: WorkOptions }>();
  private readonly workers = new Map<string, QueueWorker>();
  private readonly hooks: JobQueueHooks;
  private readonly logger: JobQueueLogger;
  private started = false;

  constructor(options: JobQueueOptions) {
    this.schema = options.schema ?? 'pgboss';
    if (!SCHEMA_NAME.test(this.schema)) throw new Error(`invalid job schema name: ${this.schema}`);
    for (const definition of options.queues) {
      for (const name of [definition.name, deadLetterName(definition)].filter((n): n is string => n !== undefined)) {
        if (!QUEUE_NAME.test(name)) throw new Error(`invalid queue name: ${name}`);
      }
      this.definitions.set(definition.name, definition);
    }
    this.hooks = options.hooks ?? {};
    this.logger = options.logger ?? silent;
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: this.schema,
      max: options.poolMax ?? 4,
      application_name: 'uma-jobs',
      supervise: options.supervise ?? true,
      // No cron schedules are used; their clock monitor would only add queries.
      schedule: false,
      migrate: true,
    });
    // Without a listener an 'error' event would crash the process; these are maintenance hiccups.
    this.boss.on('error', (error) => this.logger.error({ err: error }, 'job queue error'));
  }

  /** Runs `handler` for the jobs of `queue` in this instance (from start(), or at once if started). */
  handle<T>(queue: string, handler: JobHandler<T>, options: WorkOptions = {}): void {
    if (!this.definitions.has(queue)) throw new Error(`unknown queue: ${queue}`);
    if (this.handlers.has(queue)) throw new Error(`queue ${queue} already has a handler`);
    this.handlers.set(queue, { handler: handler as JobHandler<unknown>, options });
    if (this.started) this.startWorker(queue);
  }

  /** Installs or upgrades pg-boss's schema (concurrent starts are safe), declares the queues, starts the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    for (const definition of this.definitions.values()) await this.declare(definition);
    this.started = true;
    for (const queue of this.handlers.keys()) this.startWorker(queue);
  }

  /**
   * Stops taking jobs; running ones get `timeoutMs` to finish, then are aborted and given back to the
   * queue (their attempt not counted) for another instance or the next start.
   */
  async stop({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const returned = await Promise.all([...this.workers.values()].map((worker) => worker.stop(timeoutMs)));
    this.workers.clear();
    const total = returned.reduce((sum, count) => sum + count, 0);
    if (total > 0) this.logger.warn({ returned: total }, 'jobs still running at shutdown were given back to the queue');
    await this.boss.stop({ graceful: false, close: true, wait: true });
  }

  /**
   * Adds a job; with `db`, inside that transaction (see job-db.adapter.ts). Returns the job's id, or
   * null when a singletonKey dropped it. Without `db`, this instance's worker is woken at once; with
   * it, call wake() after the commit for the same promptness.
   */
  async enqueue<T extends object>(queue: string, data: T, options: EnqueueOptions = {}): Promise<string | null> {
    if (!this.definitions.has(queue)) throw new Error(`unknown queue: ${queue}`);
    const sendOptions: PgBoss.SendOptions = {};
    if (options.db) sendOptions.db = jobDbOf(options.db) as PgBoss.Db;
    if (options.startAfterSeconds) sendOptions.startAfter = options.startAfterSeconds;
    if (options.singletonKey) sendOptions.singletonKey = options.singletonKey;
    const id = await this.boss.send(queue, data, sendOptions);
    this.hooks.enqueued?.(queue);
    if (!options.db) this.wake(queue);
    return id;
  }

  /** Makes this instance's idle workers look for jobs now (e.g. after the commit that enqueued them). */
  wake(queue?: string): void {
    for (const [name, worker] of this.workers) if (queue === undefined || name === queue) worker.wake();
  }

  /** Counts per declared queue and per dead-letter queue, for /metrics and admins. */
  async stats(): Promise<QueueStats[]> {
    const names = [...this.definitions.values()].flatMap((definition) => [definition.name, deadLetterName(definition)]).filter((n): n is string => n !== undefined);
    const { rows } = await this.boss.getDb().executeSql(
      `select name,
              count(*) filter (where state < 'active')::int as queued,
              count(*) filter (where state = 'active')::int as active,
              count(*) filter (where state = 'failed')::int as failed,
              count(*) filter (where state = 'completed')::int as completed,
              coalesce(extract(epoch from now() - min(created_on) filter (where state < 'active')), 0)::float8 as oldest
         from ${this.schema}.job where name = any($1::text[]) group by name`,
      [names],
    );
    const byName = new Map(rows.map((row: { name: string }) => [row.name, row as { name: string; queued: number; active: number; failed: number; completed: number; oldest: number }]));
    return names.map((queue) => {
      const row = byName.get(queue);
      return { queue, queued: row?.queued ?? 0, active: row?.active ?? 0, failed: row?.failed ?? 0, completed: row?.completed ?? 0, oldestQueuedAgeSeconds: row?.oldest ?? 0 };
    });
  }

  /** The jobs of `queue` that failed for good, oldest first (their data is left out: it may hold links or addresses). */
  async deadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    const dead = this.deadLetterOf(queue);
    const { rows } = await this.boss.getDb().executeSql(
      `select id, created_on, output from ${this.schema}.job where name = $1 and state < 'active' order by created_on, id limit $2`,
      [dead, limit],
    );
    return rows.map((row: { id: string; created_on: Date; output: { message?: string } | null }) => ({ id: row.id, queue, createdOn: row.created_on, error: row.output?.message }));
  }

  /** Sends a dead letter back to its queue for a fresh set of attempts (an admin's "retry"). */
  async retryDeadLetter(queue: string, id: string): Promise<string | null> {
    const dead = this.deadLetterOf(queue);
    const job = await this.boss.getJobById<object>(dead, id);
    if (!job || job.state !== 'created') return null;
    const newId = await this.boss.send(queue, job.data ?? {});
    await this.boss.deleteJob(dead, id);
    this.wake(queue);
    return newId;
  }

  private deadLetterOf(queue: string): string {
    const definition = this.definitions.get(queue);
    const dead = definition && deadLetterName(definition);
    if (!dead) throw new Error(`queue ${queue} has no dead-letter queue`);
    return dead;
  }

  private async declare(definition: QueueDefinition): Promise<void> {
    const dead = deadLetterName(definition);
    if (dead) await this.ensureQueue(dead, { retryLimit: 0, retentionSeconds: 14 * 24 * 3600, deleteAfterSeconds: 14 * 24 * 3600 });
    const options: Omit<PgBoss.Queue, 'name'> = {
      retryLimit: definition.retryLimit ?? 5,
      retryDelay: definition.retryDelaySeconds ?? 5,
      retryBackoff: true,
      retryDelayMax: definition.retryDelayMaxSeconds ?? 3600,
      expireInSeconds: definition.expireInSeconds ?? 300,
      deleteAfterSeconds: definition.deleteAfterSeconds ?? 24 * 3600,
      retentionSeconds: definition.retentionSeconds ?? 14 * 24 * 3600,
      ...(dead ? { deadLetter: dead } : {}),
    };
    await this.ensureQueue(definition.name, options);
  }

  /** createQueue keeps an existing queue as it is; updateQueue brings its options in line with the code. */
  private async ensureQueue(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    await this.boss.createQueue(name, { ...options });
    await this.boss.updateQueue(name, { ...options });
  }

  private startWorker(queue: string): void {
    const { handler, options } = this.handlers.get(queue)!;
    const worker = new QueueWorker({
      boss: this.boss,
      queue,
      handler,
      concurrency: options.concurrency ?? 1,
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      hooks: this.hooks,
      logger: this.logger,
      spendRetries: async (name, id) => {
        await this.boss.getDb().executeSql(`update ${this.schema}.job set retry_limit = retry_count where name = $1 and id = $2 and state = 'active'`, [name, id]);
      },
      giveBack: async (name, ids) => {
        // started_on back to null: pg-boss counts an attempt at fetch only when the job had started before.
        await this.boss.getDb().executeSql(
          `update ${this.schema}.job set state = 'retry', start_after = now(), started_on = null where name = $1 and id = any($2::uuid[]) and state = 'active'`,
          [name, ids],
        );
      },
    });
    this.workers.set(queue, worker);
    worker.start();
  }
}
