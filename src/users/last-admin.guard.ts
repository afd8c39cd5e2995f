import type { EntityManager } from '@mikro-orm/postgresql';
import { UserRole } from './user-role';
import { ConflictError } from '../platform/errors/domain.errors';

/**
 * Locks the rows of every active admin (FOR UPDATE, in id order) and returns their ids. Any change
 * that could take an admin away (role, status, deletion) takes these locks first, before its own
 * target row, so two such changes are serialised by the database: the second re-reads the set
 * after the first commits (READ COMMITTED re-checks a locked row) and sees one admin fewer. The
 * same order everywhere means two of them never wait on each other's locks (no deadlock).
 */
export async function lockActiveAdmins(em: EntityManager): Promise<Set<string>> {
  const rows: { id: string }[] = await em.execute(
    `select "id" from "users" where "role" = '${UserRole.ADMIN}' and "is_active" and "deleted_at" is null order by "id" for update`,
  );
  return new Set(rows.map((row) => row.id));
}

export interface AdminStanding {
  role: UserRole;
  isActive: boolean;
  deleted: boolean;
}

/** Refuses a change that would leave no active admin: nobody could then manage the service. */
export function assertAnAdminRemains(activeAdmins: Set<string>, targetId: string, after: AdminStanding): void {
  const staysActiveAdmin = after.role === UserRole.ADMIN && after.isActive && !after.deleted;
  if (activeAdmins.has(targetId) && !staysActiveAdmin && activeAdmins.size <= 1) {
    throw new ConflictError('This is the last active admin: it cannot be deleted, deactivated or demoted. Make another user an admin first.');
  }
}
