import type { AuditQueryService } from './audit-query.service';
import { AUDIT_LIST_PARAMS, presentAuditPage } from './audit-log.presenter';
import { contextOf } from '../http/json-body';
import { parseQueryParams, pickParams } from '../http/query-params';
import { canonicalRouter, type RouteGuard } from '../http/route.guard';

const FILTERS = ['userId', 'entityType', 'entityId', 'action', 'from', 'to'] as const;

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
