import type { UserView } from '../users/user-view';
import type { RequestContext } from '../context/request-context';
import type { ReplicaRouter } from '../platform/db/replica.router';
import { AuditLogFilterInput } from './audit-query.inputs';
import { CursorPageInput, OffsetPageInput } from '../users/user-query.inputs';
import { AuditLog } from './audit-log.entity';
import { ForbiddenError, UnauthenticatedError } from '../platform/errors/domain.errors';
import { canOnUser } from '../users/user.policy';
import type { AuditCursorResult } from './audit-log.repository';
import { withCursor } from '../platform/validation/cursor';
import { assertUuid } from '../platform/validation/ids';
import { validateInput } from '../platform/validation/validate-input';

export interface AuditPage {
  items: AuditLog[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

/**
 * Reading the audit trail: admins only, whichever door asks. The listings may be served by a read
 * replica (ReplicaRouter): an admin who just acted reads from the primary and sees their own entry.
 */
export class AuditQueryService {
  constructor(private readonly reads: ReplicaRouter) {}

  async listAuditLogs(ctx: RequestContext, rawFilter: unknown, rawPage: unknown): Promise<AuditPage> {
    this.assertCanRead(ctx);
    const filter = await validateInput(AuditLogFilterInput, rawFilter ?? {}, 'filter');
    const page = await validateInput(OffsetPageInput, rawPage ?? {}, 'page');
    const { value: found } = await this.reads.read(ctx, (em, connectionType) => em.getRepository(AuditLog).findAllPaginated(filter, { offset: (page.page - 1) * page.limit, limit: page.limit }, { connectionType }));
    const { items, total } = found;
    return { items, page: page.page, limit: page.limit, total, totalPages: Math.ceil(total / page.limit) };
  }

  async listUserAuditLogs(ctx: RequestContext, userId: string, rawPage: unknown): Promise<AuditPage> {
    // Who may ask comes first: a caller who may not read the trail learns nothing, not even "bad id".
    this.assertCanRead(ctx);
    return this.listAuditLogs(ctx, { userId: assertUuid(userId, 'user id') }, rawPage);
  }

  async auditLogsByCursor(ctx: RequestContext, rawFilter: unknown, rawPage: unknown): Promise<AuditCursorResult> {
    this.assertCanRead(ctx);
    const filter = await validateInput(AuditLogFilterInput, rawFilter ?? {}, 'filter');
    const page = await validateInput(CursorPageInput, rawPage, 'page');
    const { value } = await withCursor(page.after, () => this.reads.read(ctx, (em, connectionType) => em.getRepository(AuditLog).findPage(filter, page, { connectionType })));
    return value;
  }

  /** The nested User.auditLogs field: the user's newest entries as actor, batched per request. */
  async recentByActor(ctx: RequestContext, userId: string): Promise<AuditLog[]> {
    this.assertCanRead(ctx);
    return ctx.loaders.recentAuditLogsByUserId.load(userId);
  }

  /** The nested AuditLog.user field: who acted, unless since deleted. */
  async actorOf(ctx: RequestContext, entry: Pick<AuditLog, 'userId'>): Promise<UserView | null> {
    this.assertCanRead(ctx);
    return entry.userId ? ctx.loaders.userById.load(entry.userId) : null;
  }

  private assertCanRead(ctx: RequestContext): void {
    if (!ctx.actor) throw UnauthenticatedError.required();
    if (!canOnUser(ctx.actor, 'readAudit')) throw new ForbiddenError('Reading the audit trail needs the admin role.');
  }
}
