import { Cursor, CursorError, EntityRepository, type FilterQuery } from '@mikro-orm/postgresql';
import type { AuditLog } from './audit-log.entity';
import type { ReadFrom } from '../users/user.repository';
import { isStorableTimestamp } from '../platform/validation/timestamps';

export interface AuditFilters {
  userId?: string;
  entityType?: string;
  entityId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditCursorResult {
  edges: { cursor: string; node: AuditLog }[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

const NEWEST_FIRST = { createdAt: 'desc', id: 'desc' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `after` is a cursor of NEWEST_FIRST: [createdAt, id]. Anything else would fail in SQL. */
function isAuditCursor(after: string): boolean {
  let values: unknown;
  try {
    values = Cursor.decode(after);
  } catch {
    return false;
  }
  return Array.isArray(values) && values.length === 2 && isStorableTimestamp(values[0]) && typeof values[1] === 'string' && UUID.test(values[1]);
}

/** The seed's AuditRepository. Rows are written by AuditService within the caller's transaction. */
export class AuditLogRepository extends EntityRepository<AuditLog> {
  async findByUserId(userId: string, limit = 50, offset = 0): Promise<AuditLog[]> {
    return this.find({ userId }, { orderBy: NEWEST_FIRST, limit, offset });
  }

  async findByEntity(entityType: string, entityId: string): Promise<AuditLog[]> {
    return this.find({ entityType, entityId }, { orderBy: NEWEST_FIRST });
  }

  /** The newest `perUser` entries of each user, in one statement, for batched GraphQL fields. */
  async findRecentByUserIds(userIds: readonly string[], perUser: number): Promise<AuditLog[]> {
    if (userIds.length === 0) return [];
    // execute() inlines an array parameter as a comma-separated list, so it must sit inside array[...].
    const rows: Record<string, unknown>[] = await this.getEntityManager().getConnection().execute(
      `select * from (
         select a.*, row_number() over (partition by a.user_id order by a.created_at desc, a.id desc) as position
         from audit_logs a where a.user_id = any(array[?]::uuid[])
       ) ranked where position <= ? order by created_at desc, id desc`,
      [[...userIds], perUser],
    );
    return rows.map(({ position: _position, ...row }) => this.getEntityManager().map(this.getEntityName(), row) as AuditLog);
  }

  async findAllPaginated(filters: AuditFilters, page: { offset: number; limit: number }, from: ReadFrom = {}): Promise<{ items: AuditLog[]; total: number }> {
    const [items, total] = await this.findAndCount(this.where(filters), { ...from, orderBy: NEWEST_FIRST, offset: page.offset, limit: page.limit });
    return { items, total };
  }

  async findPage(filters: AuditFilters, page: { first: number; after?: string }, from: ReadFrom = {}): Promise<AuditCursorResult> {
    if (page.after !== undefined && !isAuditCursor(page.after)) throw new CursorError('Invalid cursor: not a cursor of the audit trail.');
    const cursor = await this.getEntityManager().findByCursor(this.getEntityName(), this.where(filters), {
      ...from,
      first: page.first,
      after: page.after,
      orderBy: NEWEST_FIRST,
      includeCount: true,
    });
    return {
      edges: (cursor.items as AuditLog[]).map((node) => ({ cursor: cursor.from(node), node })),
      totalCount: cursor.totalCount ?? 0,
      hasNextPage: cursor.hasNextPage ?? false,
      endCursor: cursor.endCursor,
    };
  }

  /** Moves entries older than `before` into audit_logs_archive in one statement; returns how many. */
  async archive(before: Date): Promise<number> {
    const rows: { moved: string }[] = await this.getEntityManager().getConnection().execute(
      `with moved as (delete from audit_logs where created_at < ? returning *),
            archived as (insert into audit_logs_archive (id, user_id, action, entity_type, entity_id, old_values, new_values, ip_address, created_at)
                         select id, user_id, action, entity_type, entity_id, old_values, new_values, ip_address, created_at from moved returning 1)
       select count(*) as moved from archived`,
      [before],
    );
    return Number(rows[0]?.moved ?? 0);
  }

  private where(filters: AuditFilters): FilterQuery<AuditLog> {
    const where: Record<string, unknown> = {};
    if (filters.userId) where.userId = filters.userId;
    if (filters.entityType) where.entityType = filters.entityType;
    if (filters.entityId) where.entityId = filters.entityId;
    if (filters.action) where.action = filters.action;
    if (filters.from || filters.to) {
      where.createdAt = { ...(filters.from ? { $gte: filters.from } : {}), ...(filters.to ? { $lt: filters.to } : {}) };
    }
    return where as FilterQuery<AuditLog>;
  }
}
