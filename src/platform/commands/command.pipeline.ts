import type { EntityManager } from '@mikro-orm/postgresql';
import { translateOrmError } from '../errors/orm-error.translator';
import type { DomainEvent } from './domain-event';
import type { EventBus, WriteOrigin } from './event.bus';
import { StatementBatch } from './statement.batch';

/** What a command's work has in hand inside its transaction. */
export interface UnitOfWork<Entry> {
  /** The transaction's EntityManager: everything persisted on it commits or rolls back together. */
  readonly em: EntityManager;
  /** Stages an audit entry in this transaction (it names the actor of the command's context). */
  audit(entry: Entry): void;
  /** Records a domain event; subscribers hear of it only once the transaction has committed. */
  emit<E extends DomainEvent>(event: E): void;
  /**
   * Inserts staged for the end of the work: sent with the audit rows and the event outbox rows as
   * one statement, after the ORM's changes and before the commit (a login's session).
   */
  readonly batch: StatementBatch;
}

/**
 * One write, as the steps every write takes. `authorize` returns what the work needs (often the
 * validated input, or the target read to check it); `prepare` then computes what is costly or has
 * to happen outside the transaction (a password hash), so no lock is held meanwhile.
 */
export interface Command<Entry, V, A, P, R> {
  /** Names the command in errors and logs (e.g. 'user.update'). */
  readonly name: string;
  validate(): V | Promise<V>;
  authorize(validated: V): A | Promise<A>;
  prepare?(authorized: A): P | Promise<P>;
  work(uow: UnitOfWork<Entry>, prepared: P): Promise<R>;
}

/** Stages an audit entry on the transaction and says what to tell subscribers once it committed. */
export interface AuditPort<Ctx, Entry, Row> {
  record(em: EntityManager, ctx: Ctx, entry: Entry): Row;
  /** Stages the rows `record` made on the write's batch; without it, `record` writes them itself. */
  write?(rows: readonly Row[], batch: StatementBatch): void;
  committed(rows: readonly Row[]): DomainEvent;
}

/** Sends a write's staged statements on its transaction: one round trip (test doubles persist the rows instead). */
export type BatchSender = (em: EntityManager, batch: StatementBatch) => Promise<void>;

export const sqlBatches: BatchSender = (em, batch) => batch.execute(em);

/** Runs `work` in a transaction on `em`: commits when it resolves, rolls back when it throws. */
export type TransactionRunner = <T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>) => Promise<T>;

export const ormTransactions: TransactionRunner = (em, work) => em.transactional(work);

/** Who acts in a command, for the in-transaction subscribers (the event outbox names the actor of each event). */
export type OriginOf<Ctx> = (ctx: Ctx) => WriteOrigin;

const unknownOrigin: OriginOf<unknown> = () => ({ actorId: null });

/**
 * The one way to run a write: validate -> authorize -> prepare -> transaction(work + audit, then the
 * in-transaction subscribers) -> commit -> after-commit events. Database errors are translated into
 * domain errors here, once, whichever step raised them. Events are delivered only after the commit
 * (never after a rollback) and before the command returns, so a client that gets its answer can
 * rely on caches being invalidated, and a subscriber's failure never fails a committed write.
 */
export class CommandPipeline<Ctx extends { em: EntityManager }, Entry, Row = unknown> {
  constructor(
    private readonly audit: AuditPort<Ctx, Entry, Row>,
    private readonly events: EventBus,
    private readonly transactions: TransactionRunner = ormTransactions,
    private readonly originOf: OriginOf<Ctx> = unknownOrigin,
    private readonly sendBatch: BatchSender = sqlBatches,
  ) {}

  async run<V, A, R, P = A>(ctx: Ctx, command: Command<Entry, V, A, P, R>): Promise<R> {
    let committed: { result: R; events: DomainEvent[] };
    try {
      const validated = await command.validate();
      const authorized = await command.authorize(validated);
      const prepared = command.prepare ? await command.prepare(authorized) : (authorized as unknown as P);
      committed = await this.transactions(ctx.em, async (em) => {
        const rows: Row[] = [];
        const events: DomainEvent[] = [];
        const batch = new StatementBatch();
        const uow: UnitOfWork<Entry> = {
          em,
          audit: (entry) => void rows.push(this.audit.record(em, ctx, entry)),
          emit: (event: DomainEvent) => void events.push(event),
          batch,
        };
        const result = await command.work(uow, prepared);
        if (rows.length > 0) this.audit.write?.(rows, batch);
        // The audit rows are the first thing that happened to subscribers (the stream, stickiness).
        const all = rows.length > 0 ? [this.audit.committed(rows), ...events] : events;
        await this.events.beforeCommit(em, all, this.originOf(ctx), batch);
        if (batch.size > 0) {
          // The write's own changes first: their locks are taken before the ones the batch takes
          // (the event sequence counter), which every write about a user takes last.
          await em.flush();
          await this.sendBatch(em, batch);
        }
        return { result, events: all };
      });
    } catch (error) {
      throw translateOrmError(error);
    }
    await this.events.afterCommit(committed.events);
    return committed.result;
  }
}
