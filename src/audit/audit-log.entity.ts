import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, EntityRepositoryType, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { AuditLogRepository } from './audit-log.repository';

/** An immutable record of who did what to which entity; the actor is kept even after it is deleted. */
@Entity({ tableName: 'audit_logs', repository: () => AuditLogRepository })
@Index({ name: 'audit_logs_user_id_created_at_idx', properties: ['userId', 'createdAt'] })
@Index({ name: 'audit_logs_entity_idx', properties: ['entityType', 'entityId'] })
@Index({ name: 'audit_logs_created_at_idx', properties: ['createdAt'] })
@Index({ name: 'audit_logs_action_created_at_idx', properties: ['action', 'createdAt'] })
export class AuditLog {
  [OptionalProps]?: 'createdAt' | 'userId' | 'entityId' | 'oldValues' | 'newValues';

  [EntityRepositoryType]?: AuditLogRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid', nullable: true })
  userId: string | null = null;

  @Property({ length: 64 })
  action!: string;

  @Property({ length: 64 })
  entityType!: string;

  @Property({ type: 'uuid', nullable: true })
  entityId: string | null = null;

  @Property({ type: 'jsonb', nullable: true })
  oldValues: Record<string, unknown> | null = null;

  @Property({ type: 'jsonb', nullable: true })
  newValues: Record<string, unknown> | null = null;

  @Property({ length: 45 })
  ipAddress!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
