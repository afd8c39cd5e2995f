import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog } from '../audit/audit-log.entity';
import { Session } from '../auth/sessions/session.entity';
import { User } from '../users/user.entity';
import { withOrmErrors } from '../platform/errors/orm-error.translator';

/** Per-request batching: N lookups by id in one GraphQL response become one SQL statement. */
export interface Loaders {
  userById: DataLoader<string, User | null>;
  sessionsByUserId: DataLoader<string, Session[]>;
  recentAuditLogsByUserId: DataLoader<string, AuditLog[]>;
}

/** How many of a user's newest audit entries the nested User.auditLogs field shows. */
export const RECENT_AUDIT_LOGS_PER_USER = 50;

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

/** A batched read whose database errors reach every waiting caller as domain errors, translated here once. */
function batched<K, V>(load: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  return new DataLoader<K, V>((keys) => withOrmErrors(() => load(keys)));
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    userById: batched(async (ids: readonly string[]) => {
      const users = await em.getRepository(User).findByIds(ids);
      const byId = new Map(users.map((user) => [user.id, user]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    sessionsByUserId: batched(async (userIds: readonly string[]) => {
      const sessions = await em.getRepository(Session).findByUserIds(userIds);
      const byUser = groupBy(sessions, (session) => session.user.id);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
    recentAuditLogsByUserId: batched(async (userIds: readonly string[]) => {
      const entries = await em.getRepository(AuditLog).findRecentByUserIds(userIds, RECENT_AUDIT_LOGS_PER_USER);
      const byUser = groupBy(entries, (entry) => entry.userId ?? '');
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  };
}
