import type { EventBus } from '../platform/commands/event.bus';
import type { AuditRecorded } from '../audit/audit.events';
import type { AuditStreamPublisher } from '../audit/audit-stream.publisher';
import type { WriterStickiness } from '../platform/db/writer.stickiness';
import type { SessionCache } from '../auth/sessions/session.cache';
import type { SessionChanged, SessionsEnded } from '../auth/sessions/session.events';
import type { UserChanged, UserCreated, UserDeleted } from '../users/user.events';
import type { UserChangeListener } from '../users/user-change.listener';
import { MAPPED_DOMAIN_EVENTS } from '../events/catalogue-event.mapper';
import type { WebhookDeliveriesScheduled } from '../webhooks/webhook.events';

export interface AfterCommitSubscribers {
  auditStream: AuditStreamPublisher;
  /** Only when read replicas are configured: without them every read is from the primary. */
  writerStickiness: WriterStickiness | null;
  userChanges: UserChangeListener;
  sessionCache: SessionCache;
  /** Mails were enqueued in the transaction (src/account/account-mail.outbox.ts): this instance's worker may send them now. */
  mailQueue: { wake(): void };
  /** Events were written to the outbox in the transaction (src/events): this instance's relay may deliver them now. */
  eventRelay: { wake(): void };
  /** A redelivery, a test or a re-enabled endpoint made webhook deliveries due (src/webhooks). */
  webhookDeliveries: { wake(): void };
}

/** The events whose transaction enqueued a mail. */
const MAIL_EVENTS = ['UserCreated', 'EmailAddressChanged', 'EmailChangeRequested', 'EmailVerificationRequested', 'PasswordResetRequested'] as const;

/**
 * Who hears of committed writes, in the order they are told of each event: the audit rows first
 * (metrics, read-your-writes marks), then the caches, then the mail queue and the event relay (the
 * mails and the outbox rows themselves were written inside the transaction). Each one degrades on its own when its store fails (see UserCache.userChanged, SessionCache.forget); whatever still throws
 * is reported by the bus, never to the client of the committed write.
 */
export function subscribeAfterCommit(bus: EventBus, subscribers: AfterCommitSubscribers): EventBus {
  const { auditStream, writerStickiness, userChanges, sessionCache, mailQueue, eventRelay, webhookDeliveries } = subscribers;
  bus.subscribe<AuditRecorded>('AuditRecorded', 'audit-counts', (event) => auditStream.count(event));
  if (writerStickiness) bus.subscribe<AuditRecorded>('AuditRecorded', 'read-your-writes', (event) => writerStickiness.markWriters(event));
  bus.subscribe<UserCreated>('UserCreated', 'user-cache', (event) => userChanges.userChanged(event.userId));
  bus.subscribe<UserChanged>('UserChanged', 'user-cache', (event) => userChanges.userChanged(event.userId));
  bus.subscribe<UserDeleted>('UserDeleted', 'user-cache', (event) => userChanges.userChanged(event.userId));
  bus.subscribe<SessionsEnded>('SessionsEnded', 'session-cache', (event) => sessionCache.forget(event.sessionIds));
  bus.subscribe<SessionChanged>('SessionChanged', 'session-cache', (event) => sessionCache.forget([event.sessionId]));
  // Without the nudge the mail would still go, at the worker's next poll.
  for (const type of MAIL_EVENTS) bus.subscribe(type, 'mail-queue', () => mailQueue.wake());
  // Likewise the outbox's rows (the audit rows' stream entries, the webhooks' events) would go at the relay's next poll.
  for (const type of ['AuditRecorded', ...MAPPED_DOMAIN_EVENTS]) bus.subscribe(type, 'event-relay', () => eventRelay.wake());
  bus.subscribe<WebhookDeliveriesScheduled>('WebhookDeliveriesScheduled', 'webhook-deliveries', () => webhookDeliveries.wake());
  return bus;
}
