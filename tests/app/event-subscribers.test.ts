import { subscribeAfterCommit } from '../../src/app/event-subscribers';
import { EventBus } from '../../src/platform/commands/event.bus';
import type { DomainEvent } from '../../src/platform/commands/domain-event';
import type { AuditStreamPublisher } from '../../src/audit/audit-stream.publisher';
import type { WriterStickiness } from '../../src/platform/db/writer.stickiness';
import type { SessionCache } from '../../src/auth/sessions/session.cache';

/** The wiring of committed writes to their subscribers, with every subscriber a recorder. */
function wired(options: { withStickiness: boolean; failingCache?: boolean }) {
  const calls: string[] = [];
  const reported: string[] = [];
  const bus = subscribeAfterCommit(new EventBus((subscriber) => reported.push(subscriber)), {
    auditStream: { count: () => void calls.push('audit-counts') } as unknown as AuditStreamPublisher,
    writerStickiness: options.withStickiness ? ({ markWriters: async () => void calls.push('stickiness') } as unknown as WriterStickiness) : null,
    userChanges: {
      userChanged: async (id) => {
        if (options.failingCache) throw new Error('cache away');
        calls.push(`user-cache ${id}`);
      },
    },
    sessionCache: { forget: async (ids: readonly string[]) => void calls.push(`session-cache ${ids.join(',')}`) } as unknown as SessionCache,
    mailQueue: { wake: () => void calls.push('mail-queue') },
    eventRelay: { wake: () => void calls.push('relay') },
    webhookDeliveries: { wake: () => void calls.push('deliveries') },
  });
  return { bus, calls, reported };
}

const events: DomainEvent[] = [
  { type: 'AuditRecorded', entries: [] } as DomainEvent,
  { type: 'UserChanged', userId: 'u1', fields: ['email'] } as DomainEvent,
  { type: 'SessionsEnded', sessionIds: ['s1', 's2'] } as DomainEvent,
  { type: 'EmailAddressChanged', userId: 'u1', email: 'new@example.com', previousEmail: 'old@example.com', verified: false, byAdmin: true } as DomainEvent,
];

describe('subscribeAfterCommit', () => {
  it('counts the audit rows and marks stickiness first, then the caches, then wakes the mail queue and the event relay', async () => {
    const { bus, calls } = wired({ withStickiness: true });
    await bus.afterCommit(events);
    expect(calls).toEqual(['audit-counts', 'stickiness', 'relay', 'user-cache u1', 'relay', 'session-cache s1,s2', 'relay', 'mail-queue', 'relay']);
  });

  it('marks no writers without read replicas', async () => {
    const { bus, calls } = wired({ withStickiness: false });
    await bus.afterCommit(events.slice(0, 1));
    expect(calls).toEqual(['audit-counts', 'relay']);
  });

  it('invalidates a user on creation, change and deletion, and a session that changed', async () => {
    const { bus, calls } = wired({ withStickiness: false });
    await bus.afterCommit([
      { type: 'UserCreated', userId: 'a', sendWelcome: false },
      { type: 'UserDeleted', userId: 'b' },
      { type: 'SessionChanged', sessionId: 's3' },
    ] as unknown as DomainEvent[]);
    expect(calls).toEqual(['user-cache a', 'mail-queue', 'relay', 'user-cache b', 'relay', 'session-cache s3']);
  });

  it('reports a failing cache and still forgets the sessions and wakes the mail queue', async () => {
    const { bus, calls, reported } = wired({ withStickiness: false, failingCache: true });
    await expect(bus.afterCommit(events)).resolves.toBeUndefined();
    expect(reported).toEqual(['user-cache']);
    expect(calls).toEqual(['audit-counts', 'relay', 'relay', 'session-cache s1,s2', 'relay', 'mail-queue', 'relay']);
  });
});
