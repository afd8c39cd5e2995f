import type { RequestContext } from '../../src/context/request-context';
import { CommandPipeline, type TransactionRunner } from '../../src/platform/commands/command.pipeline';
import type { DomainEvent } from '../../src/platform/commands/domain-event';
import { EventBus } from '../../src/platform/commands/event.bus';
import { AuditService, type AuditEntry } from '../../src/audit/audit.service';
import type { AuditLog } from '../../src/audit/audit-log.entity';
import type { CommandContext } from '../../src/audit/audited-command.pipeline';

/**
 * A service's writes without PostgreSQL: repositories are plain objects handed in by the test, the
 * transaction keeps what was persisted apart until it "commits", and every event the pipeline
 * delivers after a commit is recorded. For unit specs of services (tests/<feature>/*.service.test.ts).
 */
export function fakeUnitOfWork(
  repositories: Map<Function, object>,
  raw: { execute?: (sql: string) => Promise<unknown>; create?: (entity: Function, data: Record<string, unknown>) => Record<string, unknown>; findOne?: (entity: Function, where: Record<string, unknown>) => Promise<object | null> } = {},
) {
  const committed: Record<string, unknown>[] = [];
  const events: DomainEvent[] = [];
  const em = {
    getRepository(entity: Function) {
      const repository = repositories.get(entity);
      if (!repository) throw new Error(`no fake repository for ${entity.name}`);
      return repository;
    },
    // A row as the test makes it (an entity whose id the service reads back), or a plain copy.
    create: raw.create ?? ((_entity: Function, data: Record<string, unknown>) => ({ ...data })),
    persist: () => em,
    // Nothing to write early: the test's repositories change their rows in place.
    flush: async () => undefined,
    // Raw SQL (the last-admin lock) answered by the test, or refused.
    execute: raw.execute ?? (async (sql: string) => Promise.reject(new Error(`no fake answer for ${sql}`))),
    // An entity by its conditions (services that use the EntityManager directly), as the test answers.
    findOne: raw.findOne ?? (async (entity: Function) => Promise.reject(new Error(`no fake findOne for ${entity.name}`))),
    remove: () => em,
  };
  const transactions: TransactionRunner = async (_em, work) => {
    const staged: Record<string, unknown>[] = [];
    const tx = { ...em, persist: (row: Record<string, unknown>) => (staged.push(row), tx) };
    const result = await work(tx as never);
    committed.push(...staged);
    return result;
  };
  const bus = new EventBus();
  for (const type of [
    'UserCreated',
    'UserChanged',
    'UserRoleChanged',
    'UserActivationChanged',
    'PasswordChanged',
    'UserDeleted',
    'EmailAddressChanged',
    'EmailChangeRequested',
    'EmailVerificationRequested',
    'EmailVerified',
    'PasswordResetRequested',
    'SessionsEnded',
    'SessionOpened',
    'SessionChanged',
  ]) {
    bus.subscribe(type, 'recorder', (event) => void events.push(event));
  }
  const commands = new CommandPipeline<CommandContext, AuditEntry, AuditLog>(
    new AuditService(),
    bus,
    transactions,
    (ctx) => ({ actorId: ctx.actor?.id ?? null }),
    // What a write staged for its one statement (audit rows, a session) commits as the rows themselves.
    async (tx, batch) => void batch.rows().forEach((row) => tx.persist(row)),
  );
  const context = (actor: RequestContext['actor']): RequestContext => ({ actor, em: em as never, ipAddress: '203.0.113.7', userAgent: 'unit', requestId: 'r1', loaders: {} as never, logFields: {} });
  /** The audit rows that committed, as their action and entity. */
  const audits = () => committed.filter((row) => 'action' in row).map((row) => ({ action: row.action, entityId: row.entityId, userId: row.userId }));
  return { commands, bus, events, committed, audits, context };
}
