import type { EntityManager } from '@mikro-orm/postgresql';
import type { DomainEvent } from '../platform/commands/domain-event';
import type { WriteOrigin } from '../platform/commands/event.bus';
import type { StatementBatch } from '../platform/commands/statement.batch';
import type { AuditRecorded } from '../audit/audit.events';
import { User } from '../users/user.entity';
import { type CatalogueEvent, catalogueEventsOf } from './catalogue-event.mapper';
import { AUDIT_RECORDED, type OutboxRow, stageOutbox } from './event-outbox.repository';

export interface EventOutboxSettings {
  /** A Redis stream is configured: each audit row gets an outbox row for it (else there is nowhere to publish them). */
  auditStream: boolean;
}

/**
 * The transactional outbox: the event bus's in-transaction subscriber. Every event of a write that
 * the catalogue names, and every audit row meant for the Redis stream, becomes a row of event_outbox
 * in the write's own transaction, so it exists exactly when the change does. The relay
 * (outbox.relay.ts) delivers the rows; nothing is lost if Redis or this process dies after the commit.
 */
export class EventOutboxWriter {
  constructor(private readonly settings: EventOutboxSettings) {}

  readonly handle = async (em: EntityManager, events: readonly DomainEvent[], origin: WriteOrigin, batch: StatementBatch): Promise<void> => {
    const told = events.flatMap(catalogueEventsOf);
    const audited = this.settings.auditStream ? events.filter((event): event is AuditRecorded => event.type === 'AuditRecorded').flatMap((event) => event.entries) : [];
    if (told.length === 0 && audited.length === 0) return;
    // The rows are staged on the write's batch, which the pipeline sends after the write's own rows:
    // their locks are taken before the sequence counter's, which every write about this user takes
    // last, so no two writes wait on each other in opposite orders.
    // user.created reads the new user back: it must have been written first.
    if (told.some((event) => event.type === 'user.created')) await em.flush();
    const filled = await Promise.all(told.map((event) => this.filled(em, event)));
    const auditRows: OutboxRow[] = audited.map((entry) => ({
      // The audit row's id is the stream entry's id: the dedupe key consumers already read.
      id: entry.id,
      type: AUDIT_RECORDED,
      subject: null,
      sequence: null,
      actor: origin.actorId,
      occurredAt: entry.createdAt,
      data: {
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId,
        userId: entry.userId,
        ipAddress: entry.ipAddress,
        oldValues: entry.oldValues,
        newValues: entry.newValues,
        createdAt: entry.createdAt.toISOString(),
      },
      fanOut: false,
      stream: true,
    }));
    stageOutbox(batch, filled, origin, auditRows);
  };

  /** user.created tells the new account as it was created (never its password hash). */
  private async filled(em: EntityManager, event: CatalogueEvent): Promise<CatalogueEvent> {
    if (event.type !== 'user.created' || event.subject === null) return event;
    const user = await em.findOne(User, { id: event.subject });
    if (!user) throw new Error(`user.created for a user the write does not hold: ${event.subject}`);
    const { username, email, firstName, lastName, role, isActive, emailVerified } = user;
    return { ...event, data: { username, email, firstName, lastName, role, isActive, emailVerified } };
  }
}
