import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { JobQueue } from '../../../src/jobs/job.queue';
import { PermanentJobError } from '../../../src/jobs/job.errors';
import type { JobContext, QueueDefinition } from '../../../src/jobs/job.types';
import { connectDatabase, type Orm } from '../../../src/platform/db/database';
import { createScratchDatabase, eventually } from '../../support/scratch-database';

const FAST = { pollIntervalMs: 100 };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('JobQueue on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let orm: Orm;
  const queues: JobQueue[] = [];

  function newQueue(definitions: QueueDefinition[], hooks = {}): JobQueue {
    const queue = new JobQueue({ connectionString: database.url, queues: definitions, hooks, poolMax: 3 });
    queues.push(queue);
    return queue;
  }

  beforeAll(async () => {
    database = await createScratchDatabase('jobs');
    orm = await connectDatabase({ databaseUrl: database.url, poolMax: 2 });
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop({ timeoutMs: 1000 })));
  });

  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  it('writes a job in the caller\'s MikroORM transaction: rolled back, it never runs; committed, it runs once', async () => {
    const queue = newQueue([{ name: 'tx.em' }]);
    const seen: string[] = [];
    queue.handle<{ label: string }>('tx.em', async ({ label }) => void seen.push(label), FAST);
    await queue.start();

    await expect(
      orm.em.fork().transactional(async (em) => {
        await queue.enqueue('tx.em', { label: 'rolled back' }, { db: em });
        throw new Error('the sign-up failed');
      }),
    ).rejects.toThrow('the sign-up failed');
    // Quotes and question marks survive MikroORM's inlining of the values.
    const label = "committed: it's /account/verify-email?token=a?b";
    const id = await orm.em.fork().transactional((em) => queue.enqueue('tx.em', { label }, { db: em }));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    queue.wake('tx.em');

    await eventually(() => expect(seen).toEqual([label]));
    await delay(500);
    expect(seen).toEqual([label]);
    expect((await queue.stats()).find((stats) => stats.queue === 'tx.em')).toMatchObject({ queued: 0, active: 0, completed: 1 });
  });

  it('refuses an EntityManager outside a transaction instead of writing the job at once', async () => {
    const queue = newQueue([{ name: 'tx.none' }]);
    await queue.start();
    await expect(queue.enqueue('tx.none', {}, { db: orm.em.fork() })).rejects.toThrow(/needs a transaction/);
    expect((await queue.stats()).find((stats) => stats.queue === 'tx.none')).toMatchObject({ queued: 0 });
  });

  it('writes a job in a node-postgres transaction the same way', async () => {
    const queue = newQueue([{ name: 'tx.pg' }]);
    await queue.start();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('begin');
      await queue.enqueue('tx.pg', { n: 1 }, { db: client });
      await client.query('rollback');
      await client.query('begin');
      await queue.enqueue('tx.pg', { n: 2 }, { db: client });
      // Not visible to others before the commit.
      expect((await queue.stats()).find((stats) => stats.queue === 'tx.pg')).toMatchObject({ queued: 0 });
      await client.query('commit');
    } finally {
      await client.end();
    }
    expect((await queue.stats()).find((stats) => stats.queue === 'tx.pg')).toMatchObject({ queued: 1 });
  });

  it('retries a failing job with growing delays, then completes it', async () => {
    const queue = newQueue([{ name: 'retry.ok', retryLimit: 3, retryDelaySeconds: 0 }]);
    const attempts: { attempt: number; at: number }[] = [];
    queue.handle('retry.ok', async (_data, context: JobContext) => {
      attempts.push({ attempt: context.attempt, at: Date.now() });
      if (context.attempt < 3) throw new Error('SMTP 421 try later');
    }, FAST);
    await queue.start();
    await queue.enqueue('retry.ok', {});
    await eventually(async () => expect((await queue.stats()).find((stats) => stats.queue === 'retry.ok')).toMatchObject({ completed: 1 }), 20_000);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const firstGap = attempts[1].at - attempts[0].at;
    const secondGap = attempts[2].at - attempts[1].at;
    // Backoff: 1-2 s, then 2-4 s.
    expect(firstGap).toBeGreaterThanOrEqual(900);
    expect(secondGap).toBeGreaterThanOrEqual(1900);
    expect(await queue.deadLetters('retry.ok')).toEqual([]);
  }, 30_000);

  it('sends a job whose retries are spent to the dead-letter queue, and an admin can send it back', async () => {
    const failed: unknown[] = [];
    const queue = newQueue([{ name: 'retry.spent', retryLimit: 1, retryDelaySeconds: 0 }], { failed: (_q: string, outcome: unknown) => failed.push(outcome) });
    let fail = true;
    const runs: number[] = [];
    queue.handle<{ n: number }>('retry.spent', async ({ n }) => {
      runs.push(n);
      if (fail) throw new Error('still down');
    }, FAST);
    await queue.start();
    await queue.enqueue('retry.spent', { n: 7 });
    await eventually(async () => expect(await queue.deadLetters('retry.spent')).toHaveLength(1), 20_000);
    expect(runs).toEqual([7, 7]);
    expect(failed).toEqual([expect.objectContaining({ retrying: true, permanent: false }), expect.objectContaining({ retrying: false, permanent: false })]);
    const [dead] = await queue.deadLetters('retry.spent');
    expect(dead.error).toBe('Error: still down');
    expect((await queue.stats()).find((stats) => stats.queue === 'retry.spent.dead')).toMatchObject({ queued: 1 });

    fail = false;
    expect(await queue.retryDeadLetter('retry.spent', dead.id)).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => expect(runs).toEqual([7, 7, 7]));
    expect(await queue.deadLetters('retry.spent')).toEqual([]);
    expect(await queue.retryDeadLetter('retry.spent', dead.id)).toBeNull();
  }, 30_000);

  it('dead-letters at once, without retries, when the handler says the failure is permanent', async () => {
    const queue = newQueue([{ name: 'permanent', retryLimit: 5, retryDelaySeconds: 0 }]);
    let runs = 0;
    queue.handle('permanent', async () => {
      runs += 1;
      throw new PermanentJobError('550 no such user');
    }, FAST);
    await queue.start();
    await queue.enqueue('permanent', {});
    await eventually(async () => expect(await queue.deadLetters('permanent')).toEqual([expect.objectContaining({ error: 'PermanentJobError: 550 no such user' })]));
    await delay(2500);
    expect(runs).toBe(1);
  }, 20_000);

  it('shares a queue between instances: every job is handled exactly once', async () => {
    const definitions = [{ name: 'shared' }];
    const handledBy = new Map<number, string[]>();
    const first = newQueue(definitions);
    const second = newQueue(definitions);
    for (const [label, queue] of [['first', first], ['second', second]] as const) {
      queue.handle<{ n: number }>('shared', async ({ n }) => {
        handledBy.set(n, [...(handledBy.get(n) ?? []), label]);
        await delay(40);
      }, { pollIntervalMs: 100, concurrency: 2 });
    }
    await Promise.all([first.start(), second.start()]);
    for (let n = 0; n < 40; n++) await first.enqueue('shared', { n });
    second.wake();
    await eventually(() => expect(handledBy.size).toBe(40), 20_000);
    await delay(500);
    expect([...handledBy.values()].filter((labels) => labels.length !== 1)).toEqual([]);
    const byFirst = [...handledBy.values()].filter(([label]) => label === 'first').length;
    expect(byFirst).toBeGreaterThan(0);
    expect(byFirst).toBeLessThan(40);
  }, 30_000);

  it('stops gracefully: a running job may finish; one that outlives the grace period is aborted and given back, its attempt not counted', async () => {
    const definitions = [{ name: 'slow', retryLimit: 2 }];
    const queue = newQueue(definitions);
    const returned: string[] = [];
    const signals: AbortSignal[] = [];
    const finished: string[] = [];
    const other = new JobQueue({ connectionString: database.url, queues: definitions, hooks: { returned: (name) => returned.push(name) } });
    const worker = new JobQueue({ connectionString: database.url, queues: definitions, hooks: { returned: (name) => returned.push(name) } });
    worker.handle<{ ms: number; label: string }>('slow', async ({ ms, label }, { signal }) => {
      signals.push(signal);
      await sleep(ms, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      finished.push(label);
    }, { ...FAST, concurrency: 2 });
    await worker.start();
    await queue.start();
    await queue.enqueue('slow', { ms: 300, label: 'quick' });
    await queue.enqueue('slow', { ms: 60_000, label: 'stuck' });
    worker.wake();
    await eventually(() => expect(signals).toHaveLength(2));
    await worker.stop({ timeoutMs: 1000 });
    expect(finished).toEqual(['quick']);
    expect(signals.map((signal) => signal.aborted).sort()).toEqual([false, true]);
    expect(returned).toEqual(['slow']);
    expect((await queue.stats()).find((stats) => stats.queue === 'slow')).toMatchObject({ queued: 1, active: 0, completed: 1 });

    const attempts: number[] = [];
    other.handle('slow', async (_data, context) => void attempts.push(context.attempt), FAST);
    await other.start();
    queues.push(other);
    await eventually(() => expect(attempts).toEqual([1]));
  }, 30_000);

  it('reports queued, active and the age of the oldest waiting job, and calls its hooks', async () => {
    const events: string[] = [];
    const hooks = { enqueued: (q: string) => events.push(`enqueued ${q}`), completed: (q: string) => events.push(`completed ${q}`) };
    const queue = newQueue([{ name: 'stats' }], hooks);
    await queue.start();
    await queue.enqueue('stats', {});
    await queue.enqueue('stats', {}, { startAfterSeconds: 3600 });
    await delay(1100);
    const [stats, dead] = (await queue.stats()).filter((s) => s.queue.startsWith('stats'));
    expect(stats).toMatchObject({ queue: 'stats', queued: 2, active: 0, failed: 0 });
    expect(stats.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(1);
    expect(dead).toEqual({ queue: 'stats.dead', queued: 0, active: 0, failed: 0, completed: 0, oldestQueuedAgeSeconds: 0 });
    queue.handle('stats', async () => undefined, FAST);
    await eventually(() => expect(events).toEqual(['enqueued stats', 'enqueued stats', 'completed stats']));
  }, 20_000);
});
