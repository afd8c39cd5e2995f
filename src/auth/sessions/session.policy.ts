import type { Actor } from '../../context/request-context';
import { canOnUser, type UserTarget } from '../../users/user.policy';

/** The owner of a session, as the rules about sessions look at it. */
export interface SessionOwner extends UserTarget {
  deletedAt: Date | null;
}

/**
 * Whether `actor` may know that a session of `owner` exists: only if they may see the owner (a live
 * account they may read) and, when the caller named a user (DELETE /users/{id}/sessions/{sid}),
 * only under that user. Anything else is "not found", exactly as for a missing id.
 */
export function canSeeSession(actor: Actor | null, owner: SessionOwner, expectedUserId?: string): boolean {
  if (owner.deletedAt !== null || !canOnUser(actor, 'read', owner)) return false;
  return expectedUserId === undefined || owner.id === expectedUserId.toLowerCase();
}

/** Listing and ending a user's sessions: the owner and admins. */
export function canManageSessions(actor: Actor | null, owner: UserTarget): boolean {
  return canOnUser(actor, 'manageSessions', owner);
}
