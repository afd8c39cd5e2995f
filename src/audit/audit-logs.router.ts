import type { AuditLog } from './audit-log.entity';
import type { AuditPage, AuditQueryService } from './audit-query.service';
import { contextOf } from '../http/json-body';
import { type ParamSpec, parseQueryParams, pickParams } from '../http/query-params';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';

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

const FILTERS = ['userId', 'entityType', 'entityId', 'action', 'from', 'to'] as const;

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

/** /v1/audit-logs: the audit trail for admins, with the same filters as GraphQL's auditLogs. */
export function auditLogsRouter(auditQueries: AuditQueryService, guard: RouteGuard) {
  const router = canonicalRouter();

  router.get('/', guard, async (req, res) => {
    const values = parseQueryParams(req.query as Record<string, unknown>, AUDIT_LIST_PARAMS);
    const page = await auditQueries.listAuditLogs(contextOf(res), pickParams(values, FILTERS), pickParams(values, ['page', 'limit']));
    res.json(presentAuditPage(page));
  });

  return router;
}
