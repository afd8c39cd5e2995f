import type { RequestContext } from '../../context/request-context';
import { ChangePasswordInput } from '../../users/user.inputs';
import { PasswordHistory } from './password-history.entity';
import { Session } from '../sessions/session.entity';
import { ConflictError, ForbiddenError, TooManyRequestsError, ValidationError } from '../../platform/errors/domain.errors';
import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { User } from '../../users/user.entity';
import { canOnUser } from '../../users/user.policy';
import { type LoginThrottle, throttledAccount } from '../throttle/login.throttle';
import type { PasswordHasher } from './password.hasher';
import { validateInput } from '../../platform/validation/validate-input';
import type { AuditedCommands } from '../../audit/audited-command.pipeline';
import { requireActor } from '../auth.service';
import { requireRecentSignIn } from '../../mfa/step-up.policy';
import { assertPasswordDiffersFromIdentity, type UserService } from '../../users/user.service';
import type { PasswordChanged, UserChanged } from '../../users/user.events';
import type { SessionChanged, SessionsEnded } from '../sessions/session.events';

/** How many recent passwords (the current one included) a new password may not repeat. */
export const PASSWORD_HISTORY_DEPTH = 5;

/** The password history rule, for a change and a reset alike. */
export async function assertPasswordIsNew(em: EntityManager, hasher: PasswordHasher, user: User, newPassword: string): Promise<void> {
  const history = await em.getRepository(PasswordHistory).find({ user: user.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: PASSWORD_HISTORY_DEPTH });
  for (const previous of [user.passwordHash, ...history.map((entry) => entry.passwordHash)]) {
    if (await hasher.verify(previous, newPassword)) {
      throw new ValidationError([{ field: 'newPassword', message: `newPassword must differ from the last ${PASSWORD_HISTORY_DEPTH} passwords` }]);
    }
  }
}

export class PasswordService {
  constructor(
    private readonly users: UserService,
    private readonly hasher: PasswordHasher,
    private readonly commands: AuditedCommands,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * Owners prove the current password; admins may reset anyone else's without it. Every other
   * session of the user ends, so a stolen session does not outlive the change.
   */
  async changePassword(ctx: RequestContext, userId: string, raw: unknown): Promise<void> {
    const actor = requireActor(ctx);
    await this.commands.run(ctx, {
      name: 'password.change',
      validate: () => validateInput(ChangePasswordInput, raw),
      authorize: async (input) => {
        const user = await this.users.findVisible(ctx, ctx.em, userId);
        if (!canOnUser(actor, 'changePassword', user)) throw new ForbiddenError('You may not change the password of this user.');
        // Before the current password is checked: a stale token gets no password guesses either.
        requireRecentSignIn(actor);
        const isSelf = actor.id === user.id;
        if (isSelf) await this.proveCurrentPassword(ctx, user, input.currentPassword);
        return { input, user, isSelf };
      },
      prepare: async ({ input, user, isSelf }) => {
        assertPasswordDiffersFromIdentity(input.newPassword, user.username, user.email, 'newPassword');
        await assertPasswordIsNew(ctx.em, this.hasher, user, input.newPassword);
        return { user, isSelf, passwordHash: await this.hasher.hash(input.newPassword), hashChecked: user.passwordHash };
      },
      work: async ({ em, audit, emit }, { user, isSelf, passwordHash, hashChecked }) => {
        // Locked and re-read: a change that committed since the current password was checked wins.
        const current = await em.getRepository(User).findOne({ id: user.id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!current || current.passwordHash !== hashChecked) throw new ConflictError('The password was changed meanwhile; try again.');
        current.passwordHash = passwordHash;
        // Every session opened with the old password dies with its stamp; the caller's own is re-stamped.
        em.getRepository(User).renewStamp(current);
        if (isSelf) await em.getRepository(Session).restamp(actor.sessionId, current.securityStamp);
        em.persist(em.create(PasswordHistory, { user: current, passwordHash }));
        const ended = await em.getRepository(Session).deleteByUserId(user.id, isSelf ? actor.sessionId : undefined);
        audit({ action: 'auth.password_changed', entityType: 'user', entityId: user.id });
        emit<PasswordChanged>({ type: 'PasswordChanged', userId: user.id, via: isSelf ? 'self' : 'admin' });
        if (ended.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: ended, userId: user.id, reason: 'password_changed' });
        // The caller's own session too: its cached copy still carries the old stamp.
        if (isSelf) emit<SessionChanged>({ type: 'SessionChanged', sessionId: actor.sessionId });
        emit<UserChanged>({ type: 'UserChanged', userId: user.id, fields: ['password', 'securityStamp'] });
      },
    });
  }

  /**
   * Proving the current password is a password guess like a login: a stolen access token must not
   * become an unthrottled oracle for the password, so both share the lockout count.
   */
  private async proveCurrentPassword(ctx: RequestContext, user: User, currentPassword: string | undefined): Promise<void> {
    if (currentPassword === undefined) throw new ValidationError([{ field: 'currentPassword', message: 'currentPassword is required' }]);
    const account = throttledAccount(user);
    const retryAfter = await this.throttle.retryAfter(account, ctx.ipAddress);
    if (retryAfter > 0) throw new TooManyRequestsError('Too many wrong passwords; try again later.', retryAfter);
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      await this.throttle.recordFailure(account, ctx.ipAddress);
      throw new ValidationError([{ field: 'currentPassword', message: 'currentPassword is not correct' }]);
    }
    await this.throttle.recordSuccess(account, ctx.ipAddress);
  }
}
