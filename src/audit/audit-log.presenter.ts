import type { AuditLog } from './audit-log.entity';
import type { AuditPage } from './audit-query.service';
import type { ParamSpec } from '../http/query-params';

// The REST shape of audit entries and their paging parameters, in one place for both routers that
// list them (/v1/audit-logs and /v1/users/:id/audit-logs) and the OpenAPI document.

export function presentAuditLog(entry: AuditLog) {
  return {
    id: entry.id,
    userId: entry.userId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    oldValues: entry.oldValues,
    newValues: entry.newValues,
    ipAddress: entry.ipAddress,
    createdAt: entry.createdAt.toISOString(),
  };
}

export function presentAuditPage(page: AuditPage) {
  return {
    data: page.items.map(presentAuditLog),
    pagination: { page: page.page, limit: page.limit, total: page.total, totalPages: page.totalPages },
  };
}

export const PAGE_PARAMS: ParamSpec = { page: 'int', limit: 'int' };
export const AUDIT_LIST_PARAMS: ParamSpec = {
  userId: 'string',
  entityType: 'string',
  entityId: 'string',
  action: 'string',
  from: 'datetime',
  to: 'datetime',
  ...PAGE_PARAMS,
};
