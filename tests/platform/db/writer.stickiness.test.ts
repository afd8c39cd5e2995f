import type { RedisClient } from '../../../src/platform/redis/redis.client';
import { WriterStickiness } from '../../../src/platform/db/writer.stickiness';
import { RedisFailureReporter } from '../../../src/platform/redis/redis-failure.reporter';
import { createLogger } from '../../../src/platform/observability/logger';
import { sleep } from '../../support/problem';
import { CommandPipeline, type TransactionRunner } from '../../../src/platform/commands/command.pipeline';
import { EventBus } from '../../../src/platform/commands/event.bus';
import type { AuditLog } from '../../../src/audit/audit-log.entity';
import type { AuditRecorded } from '../../../src/audit/audit.events';

const failures = () => new RedisFailureReporter(createLogger('silent'));

/**
 * A write through the command pipeline whose audit rows name these writers, with stickiness
 * subscribed as the container does; a rolled-back one fails after recording them.
 */
async function commitWith(stickiness: WriterStickiness, rows: { userId: string | null; action: string }[], outcome: 'commit' | 'rollback' = 'commit') {
  const bus = new EventBus().subscribe<AuditRecorded>('AuditRecorded', 'read-your-writes', (event) => stickiness.markWriters(event));
  const audit = { record: (_em: unknown, _ctx: unknown, row: AuditLog) => row, committed: (entries: readonly AuditLog[]): AuditRecorded => ({ type: 'AuditRecorded', entries }) };
  const inMemory: TransactionRunner = (em, work) => work(em);
  const pipeline = new CommandPipeline<{ em: never }, AuditLog, AuditLog>(audit, bus, inMemory);
  const run = pipeline.run({ em: {} as never }, {
    name: 'test.write',
    validate: () => undefined,
    authorize: () => undefined,
    work: async ({ audit: record }) => {
      for (const row of rows) record(row as AuditLog);
      if (outcome === 'rollback') throw new Error('rolled back');
    },
  });
  await (outcome === 'commit' ? run : expect(run).rejects.toThrow('rolled back'));
}

describe('WriterStickiness (in process, without Redis)', () => {
  it('keeps the actor of a committed change on the primary for the configured seconds, then lets go', async () => {
    const stickiness = new WriterStickiness(null, failures(), 1);
    await commitWith(stickiness, [{ userId: 'writer', action: 'user.updated' }]);
    expect(await stickiness.mustReadPrimary('writer')).toBe(true);
    expect(await stickiness.mustReadPrimary('someone-else')).toBe(false);
    await sleep(1100);
    expect(await stickiness.mustReadPrimary('writer')).toBe(false);
  });

  it('marks nobody for a rolled-back change, an anonymous one, or a failed login against someone', async () => {
    const stickiness = new WriterStickiness(null, failures(), 60);
    await commitWith(stickiness, [{ userId: 'rolled-back', action: 'user.updated' }], 'rollback');
    await commitWith(stickiness, [{ userId: null, action: 'user.created' }, { userId: 'victim', action: 'auth.login_failed' }]);
    expect(await stickiness.mustReadPrimary('rolled-back')).toBe(false);
    expect(await stickiness.mustReadPrimary('victim')).toBe(false);
  });
});

describe('WriterStickiness (Redis)', () => {
  it('sends everyone to the primary when Redis cannot say who wrote, and reports it', async () => {
    const reporter = failures();
    const exists = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    const down = { exists } as unknown as RedisClient;
    expect(await new WriterStickiness(down, reporter, 5).mustReadPrimary('anyone')).toBe(true);
    expect(reporter.counts.get('read-your-writes')).toBe(1);
  });

  it('sets one expiring key per writer at commit', async () => {
    const sets: unknown[][] = [];
    const redis = { set: async (...args: unknown[]) => (sets.push(args), 'OK') } as unknown as RedisClient;
    await commitWith(new WriterStickiness(redis, failures(), 7), [{ userId: 'w1', action: 'user.updated' }, { userId: 'w1', action: 'user.role_changed' }, { userId: 'w2', action: 'auth.login' }]);
    expect(sets).toEqual([['primary-after-write:w1', '1', 'EX', 7], ['primary-after-write:w2', '1', 'EX', 7]]);
  });
});
