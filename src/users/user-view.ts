import type { User } from './user.entity';

/**
 * What a cache holds of a user: never the hash, never the deletion mark. All of it is shown but
 * the security stamp, which authentication compares with a session's (presenters leave it out).
 */
export type UserView = Pick<
  User,
  'id' | 'username' | 'email' | 'firstName' | 'lastName' | 'phone' | 'role' | 'isActive' | 'emailVerified' | 'createdAt' | 'updatedAt' | 'lastLoginAt' | 'version' | 'securityStamp'
>;

export function toUserView(user: UserView): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    phone: user.phone,
    role: user.role,
    isActive: user.isActive,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    lastLoginAt: user.lastLoginAt,
    version: user.version,
    securityStamp: user.securityStamp,
  };
}

const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'lastLoginAt']);

/** JSON.parse reviver that turns the view's timestamps back into Dates. */
export function reviveDates(key: string, value: unknown): unknown {
  return DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value;
}
