import type { EventBus } from '../platform/commands/event.bus';
import type { AuditRecorded } from '../audit/audit.events';
import type { AuditStreamPublisher } from '../audit/audit-stream.publisher';
import type { WriterStickiness } from '../platform/db/writer.stickiness';
import type { SessionCache } from '../auth/sessions/session.cache';
import type { SessionChanged, SessionsEnded } from '../auth/sessions/session.events';
import type { EmailAddressChanged, UserChanged, UserCreated, UserDeleted } from '../users/user.events';
import type { UserChangeListener } from '../users/user-change.listener';
import type { EmailVerificationPort } from '../users/email-verification.port';

export interface AfterCommitSubscribers {
  auditStream: AuditStreamPublisher;
  /** Only when read replicas are configured: without them every read is from the primary. */
  writerStickiness: WriterStickiness | null;
  userChanges: UserChangeListener;
  sessionCache: SessionCache;
  emailVerification: EmailVerificationPort;
}

/**
 * Who hears of committed writes, in the order they are told of each event: the audit rows first
 * (stream, read-your-writes marks), then the caches, then the mail seam. Each one degrades on its
 * own when its store fails (see UserCache.userChanged, SessionCache.forget); whatever still throws
 * is reported by the bus, never to the client of the committed write.
 */
export function subscribeAfterCommit(bus: EventBus, subscribers: AfterCommitSubscribers): EventBus {
  const { auditStream, writerStickiness, userChanges, sessionCache, emailVerification } = subscribers;
  bus.subscribe<AuditRecorded>('AuditRecorded', 'audit-stream', (event) => auditStream.publish(event));
  if (writerStickiness) bus.subscribe<AuditRecorded>('AuditRecorded', 'read-your-writes', (event) => writerStickiness.markWriters(event));
  bus.subscribe<UserCreated>('UserCreated', 'user-cache', (event) => userChanges.userChanged(event.userId));
  bus.subscribe<UserChanged>('UserChanged', 'user-cache', (event) => userChanges.userChanged(event.userId));
  bus.subscribe<UserDeleted>('UserDeleted', 'user-cache', (event) => userChanges.userChanged(event.userId));
  bus.subscribe<SessionsEnded>('SessionsEnded', 'session-cache', (event) => sessionCache.forget(event.sessionIds));
  bus.subscribe<SessionChanged>('SessionChanged', 'session-cache', (event) => sessionCache.forget([event.sessionId]));
  bus.subscribe<EmailAddressChanged>('EmailAddressChanged', 'email-verification', (event) => emailVerification.addressChanged({ id: event.userId, email: event.email }));
  return bus;
}
