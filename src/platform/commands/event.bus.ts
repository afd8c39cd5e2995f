import type { EntityManager } from '@mikro-orm/postgresql';
import type { DomainEvent } from './domain-event';
import { StatementBatch } from './statement.batch';

/** Told of each event of a committed write; may not undo it, so it degrades and reports instead. */
export type AfterCommitHandler<E extends DomainEvent> = (event: E) => Promise<void> | void;

/** Who made a write happen, as the command's context said: null for an anonymous caller or the system. */
export interface WriteOrigin {
  readonly actorId: string | null;
}

/**
 * Runs inside the write's transaction, after its work and before the commit, with all its events:
 * what it persists on `em` commits or rolls back with the write (the mail outbox, the event outbox).
 * Unlike an after-commit subscriber, its failure fails the write.
 */
export type InTransactionHandler = (em: EntityManager, events: readonly DomainEvent[], origin: WriteOrigin, batch: StatementBatch) => Promise<void> | void;

/** How a subscriber's failure after the commit is made visible (a log line and a counter). */
export type SubscriberFailureReporter = (subscriber: string, event: DomainEvent, error: unknown) => void;

interface Subscription {
  subscriber: string;
  type: string;
  handler: AfterCommitHandler<DomainEvent>;
}

/**
 * Delivers the events of committed writes to their subscribers (cache invalidation, the audit stream,
 * writer stickiness, e-mail verification), in the order the write emitted them and, for one event,
 * in the order the subscribers subscribed. A subscriber that throws is reported and skipped: the
 * write has committed, and its client is told so whatever a cache or a stream did.
 */
export class EventBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly inTransaction: { subscriber: string; handler: InTransactionHandler }[] = [];
  /** Failed deliveries by subscriber since start (for the metrics endpoint). */
  readonly failures = new Map<string, number>();

  constructor(private readonly reportFailure: SubscriberFailureReporter = () => {}) {}

  /** `subscriber` names the subscriber in logs and metrics. */
  subscribe<E extends DomainEvent>(type: E['type'], subscriber: string, handler: AfterCommitHandler<E>): this {
    this.subscriptions.push({ subscriber, type, handler: handler as AfterCommitHandler<DomainEvent> });
    return this;
  }

  /** The in-transaction moment: see InTransactionHandler. */
  subscribeInTransaction(subscriber: string, handler: InTransactionHandler): this {
    this.inTransaction.push({ subscriber, handler });
    return this;
  }

  /** Called by the pipeline inside the transaction; a failure propagates and rolls the write back. */
  async beforeCommit(em: EntityManager, events: readonly DomainEvent[], origin: WriteOrigin = { actorId: null }, batch?: StatementBatch): Promise<void> {
    // Without the pipeline's batch (a caller outside it), what a handler stages is sent at once.
    const staged = batch ?? new StatementBatch();
    for (const { handler } of this.inTransaction) await handler(em, events, origin, staged);
    if (!batch && staged.size > 0) await staged.execute(em);
  }

  /** Called by the pipeline after the commit; never throws. */
  async afterCommit(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) {
      for (const { subscriber, type, handler } of this.subscriptions) {
        if (type !== event.type) continue;
        try {
          await handler(event);
        } catch (error) {
          this.failures.set(subscriber, (this.failures.get(subscriber) ?? 0) + 1);
          try {
            this.reportFailure(subscriber, event, error);
          } catch {
            // A broken reporter must not turn a committed write into an error either.
          }
        }
      }
    }
  }
}
