import type { Session } from '../auth/sessions/session.entity';
import { toUserView, type UserView } from './user-view';

/** The public shape of a user: the view's explicit field list, timestamps as ISO strings. */
export function presentUser(user: UserView) {
  const { securityStamp: _stamp, ...view } = toUserView(user);
  return {
    ...view,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
    lastLoginAt: view.lastLoginAt?.toISOString() ?? null,
  };
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
