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
  | 'readAudit'
  | 'manageMfa'
  | 'resetMfa'
  /** The job queue's dead letters (mails that failed for good): an operator's concern. */
  | 'manageJobs'
  /** Webhook endpoints: where every user's events are sent, so admins only. */
  | 'manageWebhooks';

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
    case 'resetMfa':
    case 'manageJobs':
    case 'manageWebhooks':
      return isAdmin;
    case 'manageMfa':
      // Only the user enrols or turns off their own factors; an admin can only reset them (resetMfa).
      return isSelf;
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

/** Which permission each changeable field of a user needs. */
const ACTION_BY_FIELD: Readonly<Record<string, UserAction>> = {
  username: 'updateProfile',
  email: 'updateProfile',
  firstName: 'updateProfile',
  lastName: 'updateProfile',
  phone: 'updateProfile',
  role: 'changeRole',
  isActive: 'changeStatus',
  emailVerified: 'verifyEmail',
};

/** The first of `fields` that `actor` may not change on `target`; undefined when all may change. */
export function firstFieldDenied(actor: Actor | null, fields: readonly string[], target: UserTarget): string | undefined {
  // A field without a rule is denied: a new changeable field must be given its permission here.
  return fields.find((field) => {
    const action = ACTION_BY_FIELD[field];
    return action === undefined || !canOnUser(actor, action, target);
  });
}

/** What a new account asks for beyond a plain sign-up. */
export interface NewUserRequest {
  role?: UserRole;
  isActive?: boolean;
  emailVerified?: boolean;
}

export type CreateUserDenial = 'not-admin' | 'signup-disabled' | 'privileged';

/**
 * Why `actor` may not create this account (null when they may): signed-in accounts create others
 * only as admins; anonymous sign-up only while it is enabled; role, status and verification are
 * the admins' to set.
 */
export function createUserDenial(actor: Actor | null, request: NewUserRequest, settings: { signupEnabled: boolean }): CreateUserDenial | null {
  if (!canOnUser(actor, 'create')) return 'not-admin';
  if (actor === null && !settings.signupEnabled) return 'signup-disabled';
  const privileged = (request.role !== undefined && request.role !== UserRole.USER) || request.isActive !== undefined || request.emailVerified !== undefined;
  if (privileged && !canOnUser(actor, 'createPrivileged')) return 'privileged';
  return null;
}
