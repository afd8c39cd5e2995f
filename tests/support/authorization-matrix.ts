import { UserRole } from '../../src/users/user-role';
import { sql } from './auth';
import { DEFAULT_PASSWORD, type SignedIn, signedIn, userInput } from './factories';
import type { ApiClient } from './http';
import type { TestServer } from './test-server';

/**
 * The authorization rules as one table, shared by the REST and the GraphQL matrix so both doors are
 * held to the same expectations. Statuses are REST's; GraphQL maps them to extensions.code.
 */
export type MatrixRole = 'anonymous' | 'user (self)' | 'user (other)' | 'moderator' | 'admin';
export const MATRIX_ROLES: MatrixRole[] = ['anonymous', 'user (self)', 'user (other)', 'moderator', 'admin'];

export type MatrixAction =
  | 'GET user'
  | 'list users'
  | 'PATCH profile'
  | 'PATCH role'
  | 'PATCH isActive'
  | 'PATCH emailVerified'
  | 'DELETE user'
  | 'create user with role admin'
  | 'change password'
  | 'list sessions';

//                                              anonymous  self  other  moderator  admin
const row = (anonymous: number, self: number, other: number, moderator: number, admin: number): Record<MatrixRole, number> => ({
  anonymous,
  'user (self)': self,
  'user (other)': other,
  moderator,
  admin,
});

export const EXPECTED_STATUS: Record<MatrixAction, Record<MatrixRole, number>> = {
  'GET user': row(401, 200, 404, 200, 200),
  'list users': row(401, 403, 403, 200, 200),
  'PATCH profile': row(401, 200, 404, 403, 200),
  'PATCH role': row(401, 403, 404, 403, 200),
  'PATCH isActive': row(401, 403, 404, 200, 200),
  'PATCH emailVerified': row(401, 403, 404, 403, 200),
  'DELETE user': row(401, 204, 404, 403, 204),
  'create user with role admin': row(403, 403, 403, 403, 201),
  'change password': row(401, 204, 404, 403, 204),
  'list sessions': row(401, 200, 404, 403, 200),
};

export const MATRIX_CASES: [MatrixAction, MatrixRole, number][] = (Object.keys(EXPECTED_STATUS) as MatrixAction[]).flatMap((action) =>
  MATRIX_ROLES.map((role) => [action, role, EXPECTED_STATUS[action][role]] as [MatrixAction, MatrixRole, number]),
);

export const NEW_PASSWORD = 'Brand-new-passw0rd!';

/** The GraphQL code for a REST status; null means success. */
export function graphqlCodeFor(status: number): string | null {
  if (status < 300) return null;
  return ({ 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' } as Record<number, string>)[status];
}

export interface MatrixSetup {
  /** Null for an anonymous caller. */
  actor: SignedIn | null;
  /** A plain user: the actor themselves for "user (self)". */
  target: SignedIn;
  /** A sign-up body asking for the admin role. */
  newAdmin: Record<string, any>;
}

export async function setUpMatrix(server: TestServer, api: ApiClient, role: MatrixRole): Promise<MatrixSetup> {
  const target = await signedIn(server, api, UserRole.USER);
  const actorRole = { anonymous: null, 'user (self)': null, 'user (other)': UserRole.USER, moderator: UserRole.MODERATOR, admin: UserRole.ADMIN }[role];
  const actor = role === 'user (self)' ? target : actorRole ? await signedIn(server, api, actorRole) : null;
  return { actor, target, newAdmin: userInput({ role: 'admin' }) };
}

/**
 * What each action would change, read straight from the database: it must change exactly when the
 * action is allowed, so a refused call is proven to have had no effect. Undefined for reads.
 */
export async function observe(server: TestServer, action: MatrixAction, setup: MatrixSetup): Promise<unknown> {
  const column: Partial<Record<MatrixAction, string>> = {
    'PATCH profile': 'first_name',
    'PATCH role': 'role',
    'PATCH isActive': 'is_active',
    'PATCH emailVerified': 'email_verified',
    'DELETE user': 'deleted_at',
    'change password': 'password_hash',
  };
  if (action === 'create user with role admin') {
    return (await sql(server, 'select role from users where lower(username) = lower(?)', [setup.newAdmin.username]))[0]?.role ?? null;
  }
  const name = column[action];
  if (!name) return undefined;
  return (await sql(server, `select ${name} as value from users where id = ?`, [setup.target.id]))[0].value;
}

export const PROFILE_CHANGE = { firstName: 'Changed' };
export const PASSWORD_CHANGE = { currentPassword: DEFAULT_PASSWORD, newPassword: NEW_PASSWORD };
