import { catalogueEventsOf, MAPPED_DOMAIN_EVENTS } from '../../src/events/catalogue-event.mapper';
import { ENVELOPE_FIELDS, EVENT_CATALOGUE, EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../../src/events/event.catalogue';
import type { DomainEvent } from '../../src/platform/commands/domain-event';

const U = '11111111-1111-4111-8111-111111111111';
const S1 = '22222222-2222-4222-8222-222222222222';
const S2 = '33333333-3333-4333-8333-333333333333';
const of = (event: Record<string, unknown>) => catalogueEventsOf(event as unknown as DomainEvent);

describe('catalogueEventsOf: what a domain event tells integrators', () => {
  it('tells a profile change by field names only, and nothing for fields with events of their own or a login', () => {
    expect(of({ type: 'UserChanged', userId: U, fields: ['lastName', 'email', 'emailVerified'] })).toEqual([{ type: 'user.updated', subject: U, data: { fields: ['lastName', 'email', 'emailVerified'] } }]);
    expect(of({ type: 'UserChanged', userId: U, fields: ['role', 'isActive'] })).toEqual([]);
    expect(of({ type: 'UserChanged', userId: U, fields: ['password', 'securityStamp'] })).toEqual([]);
    expect(of({ type: 'UserChanged', userId: U, fields: ['lastLoginAt', 'password'] })).toEqual([]);
    expect(of({ type: 'UserChanged', userId: U, fields: ['email', 'emailVerified', 'pendingEmail'] })).toEqual([{ type: 'user.updated', subject: U, data: { fields: ['email', 'emailVerified'] } }]);
  });

  it('tells role, status and password changes as their own events', () => {
    expect(of({ type: 'UserRoleChanged', userId: U, from: 'user', to: 'moderator' })).toEqual([{ type: 'user.role_changed', subject: U, data: { from: 'user', to: 'moderator' } }]);
    expect(of({ type: 'UserActivationChanged', userId: U, active: false })).toEqual([{ type: 'user.deactivated', subject: U, data: {} }]);
    expect(of({ type: 'UserActivationChanged', userId: U, active: true })).toEqual([{ type: 'user.activated', subject: U, data: {} }]);
    expect(of({ type: 'PasswordChanged', userId: U, via: 'reset' })).toEqual([{ type: 'user.password_changed', subject: U, data: { via: 'reset' } }]);
  });

  it('tells each ended session as session.revoked with its reason, a refresh token reuse first as its own event', () => {
    expect(of({ type: 'SessionsEnded', userId: U, sessionIds: [S1, S2], reason: 'deactivated' })).toEqual([
      { type: 'session.revoked', subject: U, data: { sessionId: S1, reason: 'deactivated' } },
      { type: 'session.revoked', subject: U, data: { sessionId: S2, reason: 'deactivated' } },
    ]);
    expect(of({ type: 'SessionsEnded', userId: U, sessionIds: [S1], reason: 'refresh_reuse' })).toEqual([
      { type: 'auth.refresh_reuse_detected', subject: U, data: { sessionId: S1 } },
      { type: 'session.revoked', subject: U, data: { sessionId: S1, reason: 'refresh_reuse' } },
    ]);
    expect(of({ type: 'SessionOpened', userId: U, sessionId: S1, method: 'passkey' })).toEqual([{ type: 'session.created', subject: U, data: { sessionId: S1, method: 'passkey' } }]);
  });

  it('tells the e-mail flows, never an address', () => {
    expect(of({ type: 'EmailAddressChanged', userId: U, email: 'new@example.com', previousEmail: 'old@example.com', verified: false, byAdmin: true })).toEqual([
      { type: 'user.email_changed', subject: U, data: { verified: false, byAdmin: true } },
    ]);
    expect(of({ type: 'EmailChangeRequested', userId: U, newEmail: 'new@example.com', currentEmail: 'old@example.com' })).toEqual([{ type: 'user.email_change_requested', subject: U, data: {} }]);
    expect(of({ type: 'EmailVerified', userId: U })).toEqual([{ type: 'user.email_verified', subject: U, data: {} }]);
  });

  it('tells nothing of what is not in the catalogue (a refresh, the audit rows)', () => {
    expect(of({ type: 'SessionChanged', sessionId: S1 })).toEqual([]);
    expect(of({ type: 'AuditRecorded', entries: [] })).toEqual([]);
  });

  it('maps every domain event it names to catalogue types only', () => {
    expect(MAPPED_DOMAIN_EVENTS.length).toBeGreaterThan(10);
    for (const type of of({ type: 'SessionsEnded', userId: U, sessionIds: [S1], reason: 'refresh_reuse' }).map((event) => event.type)) expect(EVENT_TYPES).toContain(type);
  });
});

describe('the event catalogue', () => {
  it("no event's own field shadows a field every event carries", () => {
    for (const type of EVENT_TYPES) {
      const own = Object.keys((EVENT_CATALOGUE[type].data as { properties: object }).properties);
      expect({ type, shadowed: own.filter((field) => field in ENVELOPE_FIELDS) }).toEqual({ type, shadowed: [] });
    }
  });

  it('lets webhooks subscribe to everything but the test ping', () => {
    expect(EVENT_TYPES.filter((type) => !SUBSCRIBABLE_EVENT_TYPES.includes(type))).toEqual(['webhook.test']);
  });
});
