import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../context/request-context';
import type { AuditAction } from './audit-action';
import { AuditLog } from './audit-log.entity';
import type { AuditRecorded } from './audit.events';
import type { AuditPort } from '../platform/commands/command.pipeline';
import type { StatementBatch } from '../platform/commands/statement.batch';

export type { AuditAction };

export interface AuditEntry {
  action: AuditAction;
  entityType: 'user' | 'session' | 'job' | 'webhook';
  entityId: string | null;
  oldValues?: Record<string, unknown> | null;
  newValues?: Record<string, unknown> | null;
  /** Defaults to the acting user; set it for events without a signed-in actor (a login). */
  userId?: string | null;
}

/** Fields that must never reach an audit row, whatever a caller passes. */
const SECRET_FIELDS = /password|hash|token|secret/i;

function withoutSecrets(values: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!values) return null;
  return Object.fromEntries(Object.entries(values).filter(([key]) => !SECRET_FIELDS.test(key)));
}

function jsonOrNull(values: Record<string, unknown> | null): string | null {
  return values === null ? null : JSON.stringify(values);
}

/** Only the fields whose value differs, as the old and the new side of the change. */
export function diffFields<T extends object>(before: T, after: T, fields: (keyof T)[]): { oldValues: Record<string, unknown>; newValues: Record<string, unknown> } {
  const oldValues: Record<string, unknown> = {};
  const newValues: Record<string, unknown> = {};
  for (const field of fields) {
    const was = before[field];
    const now = after[field];
    const same = was instanceof Date && now instanceof Date ? was.getTime() === now.getTime() : was === now;
    if (!same) {
      oldValues[field as string] = was ?? null;
      newValues[field as string] = now ?? null;
    }
  }
  return { oldValues, newValues };
}

/**
 * The seed's AuditService. Entries are staged on the write's batch (one insert for all of them, sent
 * with the event outbox rows as one statement), so they commit in the same transaction as the change
 * they describe, and vanish with it if it rolls back.
 */
export class AuditService implements AuditPort<Pick<RequestContext, 'actor' | 'ipAddress'>, AuditEntry, AuditLog> {
  record(em: EntityManager, ctx: Pick<RequestContext, 'actor' | 'ipAddress'>, entry: AuditEntry): AuditLog {
    const log = em.create(AuditLog, {
      userId: entry.userId !== undefined ? entry.userId : (ctx.actor?.id ?? null),
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      oldValues: withoutSecrets(entry.oldValues),
      newValues: withoutSecrets(entry.newValues),
      ipAddress: ctx.ipAddress,
    }, { persist: false });
    return log;
  }

  /** One insert for every row of the write, staged on its batch (not the ORM's unit of work). */
  write(rows: readonly AuditLog[], batch: StatementBatch): void {
    batch.add(
      `insert into "audit_logs" ("id", "user_id", "action", "entity_type", "entity_id", "old_values", "new_values", "ip_address", "created_at") values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flatMap((row) => [row.id, row.userId, row.action, row.entityType, row.entityId, jsonOrNull(row.oldValues), jsonOrNull(row.newValues), row.ipAddress, row.createdAt]),
      rows,
    );
  }

  /** Told to subscribers once the rows' transaction has committed. */
  committed(entries: readonly AuditLog[]): AuditRecorded {
    return { type: 'AuditRecorded', entries };
  }
}
