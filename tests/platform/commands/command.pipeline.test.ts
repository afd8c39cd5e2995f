import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { CommandPipeline, type AuditPort, type Command, type TransactionRunner } from '../../../src/platform/commands/command.pipeline';
import type { DomainEvent } from '../../../src/platform/commands/domain-event';
import { EventBus } from '../../../src/platform/commands/event.bus';
import { ConflictError, ForbiddenError, ServiceUnavailableError } from '../../../src/platform/errors/domain.errors';

/** No database: a transaction is a list of staged rows that "commits" when the work resolves. */
class FakeUnitOfWork {
  readonly log: string[] = [];
  readonly committedRows: string[] = [];
  /** Thrown by the commit itself, as a flush that hits a unique index would. */
  failCommitWith: unknown = null;

  readonly transactions: TransactionRunner = async (em, work) => {
    const staged: string[] = [];
    this.log.push('begin');
    try {
      const result = await work({ staged } as never);
      if (this.failCommitWith) throw this.failCommitWith;
      this.committedRows.push(...staged);
      this.log.push('commit');
      return result;
    } catch (error) {
      this.log.push('rollback');
      throw error;
    }
  };
}

interface Ctx {
  em: never;
  actor: string;
}

const auditPort = (log: string[]): AuditPort<Ctx, string, string> => ({
  record: (em, ctx, entry) => {
    (em as unknown as { staged: string[] }).staged.push(`${ctx.actor}:${entry}`);
    log.push(`audit ${entry}`);
    return entry;
  },
  committed: (rows) => ({ type: 'AuditRecorded', rows }) as DomainEvent,
});

function setUp(reportFailure?: (subscriber: string, event: DomainEvent, error: unknown) => void) {
  const uow = new FakeUnitOfWork();
  const bus = new EventBus(reportFailure);
  const heard: DomainEvent[] = [];
  bus.subscribe('Something', 'recorder', (event) => void (heard.push(event), uow.log.push(`after-commit ${event.type}`)));
  bus.subscribe('AuditRecorded', 'recorder', (event) => void (heard.push(event), uow.log.push(`after-commit ${event.type}`)));
  const pipeline = new CommandPipeline<Ctx, string, string>(auditPort(uow.log), bus, uow.transactions);
  return { uow, bus, heard, pipeline, ctx: { em: {} as never, actor: 'alice' } };
}

function command(log: string[], overrides: Partial<Command<string, string, string, string, string>> = {}): Command<string, string, string, string, string> {
  return {
    name: 'test.write',
    validate: () => (log.push('validate'), 'input'),
    authorize: (input) => (log.push(`authorize ${input}`), input),
    prepare: async (input) => (log.push(`prepare ${input}`), `${input}+prepared`),
    work: async ({ audit, emit }, prepared) => {
      log.push(`work ${prepared}`);
      audit('thing.changed');
      emit({ type: 'Something' });
      return 'result';
    },
    ...overrides,
  };
}

describe('CommandPipeline', () => {
  it('validates, authorizes, prepares, works and audits in one transaction, commits, then tells subscribers', async () => {
    const { uow, pipeline, ctx, heard } = setUp();
    await expect(pipeline.run(ctx, command(uow.log))).resolves.toBe('result');
    expect(uow.log).toEqual([
      'validate',
      'authorize input',
      'prepare input',
      'begin',
      'work input+prepared',
      'audit thing.changed',
      'commit',
      'after-commit AuditRecorded',
      'after-commit Something',
    ]);
    expect(uow.committedRows).toEqual(['alice:thing.changed']);
    expect(heard[0]).toEqual({ type: 'AuditRecorded', rows: ['thing.changed'] });
  });

  it('hands the authorized value to the work when there is nothing to prepare', async () => {
    const { uow, pipeline, ctx } = setUp();
    await pipeline.run(ctx, command(uow.log, { prepare: undefined }));
    expect(uow.log).toContain('work input');
  });

  it('stops at a refused authorization: no transaction, no audit, no events', async () => {
    const { uow, pipeline, ctx, heard } = setUp();
    const refused = command(uow.log, {
      authorize: () => {
        throw new ForbiddenError('no');
      },
    });
    await expect(pipeline.run(ctx, refused)).rejects.toBeInstanceOf(ForbiddenError);
    expect(uow.log).toEqual(['validate']);
    expect(heard).toEqual([]);
  });

  it('tells nobody of a write that rolled back, whether its work or its commit failed', async () => {
    const { uow, pipeline, ctx, heard } = setUp();
    const failing = command(uow.log, {
      work: async ({ audit, emit }) => {
        audit('thing.changed');
        emit({ type: 'Something' });
        throw new ForbiddenError('checked under the lock');
      },
    });
    await expect(pipeline.run(ctx, failing)).rejects.toBeInstanceOf(ForbiddenError);
    uow.failCommitWith = new Error('flush failed');
    await expect(pipeline.run(ctx, command(uow.log))).rejects.toThrow('flush failed');
    expect(uow.log.filter((step) => step === 'rollback')).toHaveLength(2);
    expect(uow.committedRows).toEqual([]);
    expect(heard).toEqual([]);
  });

  it('translates database errors into domain errors, whichever step raised them', async () => {
    const { uow, pipeline, ctx } = setUp();
    uow.failCommitWith = new UniqueConstraintViolationException(Object.assign(new Error('duplicate key value violates unique constraint "users_email_key_unique"'), { code: '23505' }));
    const conflict = await pipeline.run(ctx, command(uow.log)).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).field).toBe('email');

    uow.failCommitWith = null;
    const down = command(uow.log, {
      authorize: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
    });
    await expect(pipeline.run(ctx, down)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('lets domain errors through unchanged', async () => {
    const { uow, pipeline, ctx } = setUp();
    const forbidden = new ForbiddenError('no');
    const refused = command(uow.log, {
      validate: () => {
        throw forbidden;
      },
    });
    await expect(pipeline.run(ctx, refused)).rejects.toBe(forbidden);
  });

  it('answers a committed write even when a subscriber fails, reports the failure and still tells the others', async () => {
    const reported: { subscriber: string; type: string; message: string }[] = [];
    const { uow, bus, pipeline, ctx } = setUp((subscriber, event, error) => reported.push({ subscriber, type: event.type, message: (error as Error).message }));
    const heardAfterTheFailure: string[] = [];
    bus.subscribe('Something', 'broken-cache', () => {
      throw new Error('Redis is away');
    });
    bus.subscribe('Something', 'mailer', (event) => void heardAfterTheFailure.push(event.type));
    await expect(pipeline.run(ctx, command(uow.log))).resolves.toBe('result');
    expect(uow.committedRows).toEqual(['alice:thing.changed']);
    expect(reported).toEqual([{ subscriber: 'broken-cache', type: 'Something', message: 'Redis is away' }]);
    expect(bus.failures.get('broken-cache')).toBe(1);
    expect(heardAfterTheFailure).toEqual(['Something']);
  });

  it('runs in-transaction subscribers before the commit, and their failure rolls the write back', async () => {
    const { uow, bus, pipeline, ctx, heard } = setUp();
    bus.subscribeInTransaction('outbox', (_em, events) => void uow.log.push(`in-transaction ${events.map((event) => event.type).join(',')}`));
    await pipeline.run(ctx, command(uow.log));
    expect(uow.log.slice(uow.log.indexOf('audit thing.changed') + 1, uow.log.indexOf('commit'))).toEqual(['in-transaction AuditRecorded,Something']);

    const { uow: second, bus: secondBus, pipeline: secondPipeline, heard: secondHeard } = setUp();
    secondBus.subscribeInTransaction('outbox', () => {
      throw new Error('outbox row refused');
    });
    await expect(secondPipeline.run(ctx, command(second.log))).rejects.toThrow('outbox row refused');
    expect(second.log).toContain('rollback');
    expect(secondHeard).toEqual([]);
    expect(heard).toHaveLength(2);
  });

  it("tells in-transaction subscribers who acts, as the context says (the event outbox names each event's actor)", async () => {
    const uow = new FakeUnitOfWork();
    const bus = new EventBus();
    const origins: unknown[] = [];
    bus.subscribeInTransaction('outbox', (_em, _events, origin) => void origins.push(origin));
    const pipeline = new CommandPipeline<Ctx, string, string>(auditPort(uow.log), bus, uow.transactions, (ctx) => ({ actorId: ctx.actor }));
    await pipeline.run({ em: {} as never, actor: 'alice' }, command(uow.log));
    const unnamed = new CommandPipeline<Ctx, string, string>(auditPort(uow.log), bus, uow.transactions);
    await unnamed.run({ em: {} as never, actor: 'bob' }, command(uow.log));
    expect(origins).toEqual([{ actorId: 'alice' }, { actorId: null }]);
  });

  it('delivers events in the order the work emitted them, without an audit event when nothing was audited', async () => {
    const { uow, bus, pipeline, ctx } = setUp();
    const order: string[] = [];
    bus.subscribe('First', 'order', () => void order.push('First'));
    bus.subscribe('Second', 'order', () => void order.push('Second'));
    const silent = command(uow.log, {
      work: async ({ emit }) => {
        emit({ type: 'Second' });
        emit({ type: 'First' });
        return 'done';
      },
    });
    await pipeline.run(ctx, silent);
    expect(order).toEqual(['Second', 'First']);
    expect(uow.log).not.toContain('after-commit AuditRecorded');
  });
});
