import type { RequestContext } from '../../context/request-context';
import { Session } from './session.entity';
import { ForbiddenError, NotFoundError } from '../../platform/errors/domain.errors';
import { withOrmErrors } from '../../platform/errors/orm-error.translator';
import type { UserTarget } from '../../users/user.policy';
import { assertUuid } from '../../platform/validation/ids';
import type { AuditedCommands } from '../../audit/audited-command.pipeline';
import { requireActor } from '../auth.service';
import type { UserService } from '../../users/user.service';
import { canManageSessions, canSeeSession } from './session.policy';
import type { SessionsEnded } from './session.events';

/** Listing and ending the sessions of a user: the owner and admins only (src/auth/sessions/session.policy.ts). */
export class SessionService {
  constructor(
    private readonly users: UserService,
    private readonly commands: AuditedCommands,
  ) {}

  async listSessions(ctx: RequestContext, userId: string): Promise<Session[]> {
    requireActor(ctx);
    const user = await this.users.findVisible(ctx, ctx.em, userId);
    if (!canManageSessions(ctx.actor, user)) throw new ForbiddenError('You may not see the sessions of this user.');
    return withOrmErrors(() => ctx.em.getRepository(Session).findByUserId(user.id));
  }

  /** The nested User.sessions field: batched with the request's other users, for the owner and admins. */
  async sessionsOf(ctx: RequestContext, user: UserTarget): Promise<Session[]> {
    if (!canManageSessions(ctx.actor, user)) throw new ForbiddenError('Only the user and admins see its sessions.');
    return ctx.loaders.sessionsByUserId.load(user.id);
  }

  async revokeSession(ctx: RequestContext, sessionId: string, expectedUserId?: string): Promise<void> {
    const actor = requireActor(ctx);
    await this.commands.run(ctx, {
      name: 'session.revoke',
      validate: () => assertUuid(sessionId, 'session id'),
      // Against the session and its owner as read in the transaction: see the work.
      authorize: (id) => id,
      work: async ({ em, audit, emit }, id) => {
        const session = await em.getRepository(Session).findOne({ id }, { populate: ['user'] });
        const owner = session?.user;
        if (!session || !owner || !canSeeSession(actor, owner, expectedUserId)) throw new NotFoundError('Session not found.');
        if (!canManageSessions(actor, owner)) throw new ForbiddenError('You may not end the sessions of this user.');
        await em.getRepository(Session).deleteById(session.id);
        audit({ action: 'session.revoked', entityType: 'session', entityId: session.id, oldValues: { userId: owner.id } });
        emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: [session.id], userId: owner.id, reason: 'revoked' });
      },
    });
  }

  async purgeExpired(em: RequestContext['em']): Promise<number> {
    return em.getRepository(Session).deleteExpired();
  }
}
