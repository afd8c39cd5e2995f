import type { Session } from '../auth/sessions/session.entity';
import { PUBLIC_USER_FIELD_NAMES, type PublicUserFieldName, USER_VIEW_FIELDS, type UserView } from './user-view';

type Fields = typeof USER_VIEW_FIELDS;
/** A timestamp is shown as an ISO string; everything else as the view holds it. */
export type PresentedUser = {
  [K in PublicUserFieldName]: Fields[K]['kind'] extends 'timestamp' ? (Fields[K]['nullable'] extends true ? string | null : string) : UserView[K];
};

/** The public shape of a user: the read model's public fields (src/users/user-view.ts), in its order. */
export function presentUser(user: UserView): PresentedUser {
  const shown: Record<string, unknown> = {};
  for (const name of PUBLIC_USER_FIELD_NAMES) {
    const value = user[name];
    shown[name] = USER_VIEW_FIELDS[name].kind === 'timestamp' ? ((value as Date | null)?.toISOString() ?? null) : value;
  }
  return shown as PresentedUser;
}

export function presentSession(session: Session) {
  return {
    id: session.id,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}
