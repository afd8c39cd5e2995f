import type { DomainEvent } from '../platform/commands/domain-event';
import type {
  EmailAddressChanged,
  EmailChangeRequested,
  EmailVerificationRequested,
  EmailVerified,
  PasswordChanged,
  PasswordResetRequested,
  UserActivationChanged,
  UserChanged,
  UserCreated,
  UserDeleted,
  UserRoleChanged,
} from '../users/user.events';
import type { SessionOpened, SessionsEnded } from '../auth/sessions/session.events';
import { type EventType, PROFILE_FIELDS } from './event.catalogue';

/** An event of the catalogue as a write tells it, before the outbox gives it an id, a sequence and a time. */
export interface CatalogueEvent {
  readonly type: EventType;
  /** The user it is about; null for events about no user. */
  readonly subject: string | null;
  readonly data: Record<string, unknown>;
}

type Mapped =
  | UserCreated
  | UserChanged
  | UserRoleChanged
  | UserActivationChanged
  | UserDeleted
  | EmailVerified
  | EmailAddressChanged
  | EmailChangeRequested
  | EmailVerificationRequested
  | PasswordResetRequested
  | PasswordChanged
  | SessionOpened
  | SessionsEnded;

/** The domain events the outbox hears of (after their commit, the relay is woken by these too). */
export const MAPPED_DOMAIN_EVENTS: readonly Mapped['type'][] = [
  'UserCreated',
  'UserChanged',
  'UserRoleChanged',
  'UserActivationChanged',
  'UserDeleted',
  'EmailVerified',
  'EmailAddressChanged',
  'EmailChangeRequested',
  'EmailVerificationRequested',
  'PasswordResetRequested',
  'PasswordChanged',
  'SessionOpened',
  'SessionsEnded',
];

const profile: ReadonlySet<string> = new Set(PROFILE_FIELDS);

/**
 * What one domain event of a write tells integrators, in the catalogue's words; [] for what they are
 * not told (a refresh, a cache's concern, a login's lastLoginAt). user.created's fields are filled
 * in by the outbox writer, which reads the new user in the write's transaction.
 */
export function catalogueEventsOf(event: DomainEvent): CatalogueEvent[] {
  const known = event as Mapped;
  const about = (type: EventType, data: Record<string, unknown> = {}): CatalogueEvent[] => [{ type, subject: 'userId' in known ? known.userId : null, data }];
  switch (known.type) {
    case 'UserCreated':
      return about('user.created');
    case 'UserChanged': {
      const changed = known.fields.filter((field) => profile.has(field));
      return changed.length > 0 ? about('user.updated', { fields: [...new Set(changed)] }) : [];
    }
    case 'UserRoleChanged':
      return about('user.role_changed', { from: known.from, to: known.to });
    case 'UserActivationChanged':
      return about(known.active ? 'user.activated' : 'user.deactivated');
    case 'UserDeleted':
      return about('user.deleted');
    case 'EmailVerified':
      return about('user.email_verified');
    case 'EmailAddressChanged':
      return about('user.email_changed', { verified: known.verified, byAdmin: known.byAdmin });
    case 'EmailChangeRequested':
      return about('user.email_change_requested');
    case 'EmailVerificationRequested':
      return about('user.email_verification_requested');
    case 'PasswordResetRequested':
      return about('user.password_reset_requested');
    case 'PasswordChanged':
      return about('user.password_changed', { via: known.via });
    case 'SessionOpened':
      return about('session.created', { sessionId: known.sessionId, method: known.method });
    case 'SessionsEnded':
      return known.sessionIds.flatMap((sessionId) => [
        // The detection first: it is why the session was revoked.
        ...(known.reason === 'refresh_reuse' ? about('auth.refresh_reuse_detected', { sessionId }) : []),
        ...about('session.revoked', { sessionId, reason: known.reason }),
      ]);
    default:
      return [];
  }
}
