import type { Actor } from '../context/request-context';
import { UserRole } from './user-role';

export type UserAction =
  | 'read'
  | 'list'
  | 'create'
  | 'createPrivileged'
  | 'updateProfile'
  | 'changeRole'
  | 'changeStatus'
  | 'verifyEmail'
  | 'delete'
  | 'changePassword'
  | 'manageSessions'
  | 'readAudit';

/** The part of a user that rules look at. */
export interface UserTarget {
  id: string;
  role: UserRole;
}

const rank: Record<UserRole, number> = { [UserRole.USER]: 1, [UserRole.MODERATOR]: 2, [UserRole.ADMIN]: 3 };

export function hasRole(actor: Pick<Actor, 'role'> | null, required: UserRole): boolean {
  return actor !== null && rank[actor.role] >= rank[required];
}

/**
 * Whether `actor` may do `action` to `target`: the single statement of who may do what to users.
 * Services call it before acting; the GraphQL @auth directive uses hasRole for coarse gates.
 */
export function canOnUser(actor: Actor | null, action: UserAction, target?: UserTarget): boolean {
  const isSelf = actor !== null && target !== undefined && actor.id === target.id;
  const isAdmin = actor?.role === UserRole.ADMIN;
  const isModerator = actor?.role === UserRole.MODERATOR;
  switch (action) {
    case 'create':
      // Sign-up is anonymous; signed-in accounts create others only as admins.
      return actor === null || isAdmin;
    case 'createPrivileged':
    case 'verifyEmail':
    case 'readAudit':
      return isAdmin;
    case 'read':
      return isSelf || isAdmin || isModerator;
    case 'list':
      return isAdmin || isModerator;
    case 'updateProfile':
    case 'delete':
    case 'changePassword':
    case 'manageSessions':
      return isSelf || isAdmin;
    case 'changeRole':
      // Never on yourself, so the last admin cannot demote themselves by accident.
      return isAdmin && !isSelf;
    case 'changeStatus':
      if (isSelf || target === undefined) return false;
      return isAdmin || (isModerator && target.role !== UserRole.ADMIN);
  }
}
