import type { RequestContext } from '../../context/request-context';
import { Session } from './session.entity';
import { ForbiddenError, NotFoundError } from '../../platform/errors/domain.errors';
import { withOrmErrors } from '../../platform/errors/orm-error.translator';
import { canOnUser, type UserTarget } from '../../users/user.policy';
import { assertUuid } from '../../platform/validation/ids';
import type { SessionCache } from './session.cache';
import type { AuditService } from '../../audit/audit.service';
import { requireActor } from '../auth.service';
import type { UserService } from '../../users/user.service';

/** Listing and ending the sessions of a user: the owner and admins only. */
export class SessionService {
  constructor(
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly sessionCache: SessionCache,
  ) {}

  async listSessions(ctx: RequestContext, userId: string): Promise<Session[]> {
    requireActor(ctx);
    const user = await this.users.findVisible(ctx, ctx.em, userId);
    if (!canOnUser(ctx.actor, 'manageSessions', user)) throw new ForbiddenError('You may not see the sessions of this user.');
    return withOrmErrors(() => ctx.em.getRepository(Session).findByUserId(user.id));
  }

  /** The nested User.sessions field: batched with the request's other users, for the owner and admins. */
  async sessionsOf(ctx: RequestContext, user: UserTarget): Promise<Session[]> {
    if (!canOnUser(ctx.actor, 'manageSessions', user)) throw new ForbiddenError('Only the user and admins see its sessions.');
    return withOrmErrors(() => ctx.loaders.sessionsByUserId.load(user.id));
  }

  async revokeSession(ctx: RequestContext, sessionId: string, expectedUserId?: string): Promise<void> {
    const actor = requireActor(ctx);
    const id = assertUuid(sessionId, 'session id');
    const revokedId = await withOrmErrors(() =>
      ctx.em.transactional(async (em) => {
        const session = await em.getRepository(Session).findOne({ id }, { populate: ['user'] });
        const owner = session?.user;
        const visible = owner && owner.deletedAt === null && canOnUser(actor, 'read', owner) && (expectedUserId === undefined || owner.id === expectedUserId.toLowerCase());
        if (!session || !owner || !visible) throw new NotFoundError('Session not found.');
        if (!canOnUser(actor, 'manageSessions', owner)) throw new ForbiddenError('You may not end the sessions of this user.');
        await em.getRepository(Session).deleteById(session.id);
        this.audit.record(em, ctx, { action: 'session.revoked', entityType: 'session', entityId: session.id, oldValues: { userId: owner.id } });
        return session.id;
      }),
    );
    await this.sessionCache.forget([revokedId]);
  }

  async purgeExpired(em: RequestContext['em']): Promise<number> {
    return em.getRepository(Session).deleteExpired();
  }
}

