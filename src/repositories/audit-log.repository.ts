import { EntityRepository } from '@mikro-orm/postgresql';
import type { AuditLog } from '../entities/audit-log.entity';

export class AuditLogRepository extends EntityRepository<AuditLog> {
  async findByUserId(userId: string, limit = 50, offset = 0): Promise<AuditLog[]> {
    return this.find({ userId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset });
  }

  async findByEntity(entityType: string, entityId: string): Promise<AuditLog[]> {
    return this.find({ entityType, entityId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }
}
