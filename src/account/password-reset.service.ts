import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/postgresql';
import type { RequestContext } from '../context/request-context';
import type { AuditedCommands, CommandContext } from '../audit/audited-command.pipeline';
import type { OneTimeTokenService } from '../auth/tokens/one-time-token.service';
import { OneTimeTokenInvalidError } from '../auth/tokens/one-time-token.errors';
import type { PasswordHasher } from '../auth/passwords/password.hasher';
import { PasswordHistory } from '../auth/passwords/password-history.entity';
import { assertPasswordIsNew } from '../auth/passwords/password.service';
import { Session } from '../auth/sessions/session.entity';
import type { SessionsEnded } from '../auth/sessions/session.events';
import { type LoginThrottle, throttledAccount } from '../auth/throttle/login.throttle';
import { ForbiddenError } from '../platform/errors/domain.errors';
import { validateInput } from '../platform/validation/validate-input';
import { emailKey } from '../platform/validation/email/email.address';
import { User } from '../users/user.entity';
import type { PasswordChanged, PasswordResetRequested, UserChanged } from '../users/user.events';
import { assertPasswordDiffersFromIdentity } from '../users/user.service';
import { ForgotPasswordInput, ResetPasswordInput } from './account-email.inputs';
import type { AddressRateLimit } from './address-rate.limit';

/** What the request path leaves for the job that looks the address up (so both answers take the same path). */
export interface ResetRequest {
  emailKey: string;
  ipAddress: string;
}

/** Hands a reset request to the durable queue; the job calls PasswordResetService.sendResetLink. */
export interface ResetRequestQueue {
  enqueue(request: ResetRequest): Promise<void>;
}

/**
 * Forgotten passwords. The request answers the same whether or not the address has an account: the
 * lookup happens in a job, after the answer, so neither the body, the status nor the time tell.
 * Using the link sets the password under the usual rules and ends every session of the account.
 */
export class PasswordResetService {
  constructor(
    private readonly settings: { enabled: boolean },
    private readonly commands: AuditedCommands,
    private readonly tokens: OneTimeTokenService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly addressLimit: AddressRateLimit,
    private readonly requests: ResetRequestQueue,
  ) {}

  async requestReset(ctx: RequestContext, raw: unknown): Promise<void> {
    this.assertEnabled();
    const { email } = await validateInput(ForgotPasswordInput, raw);
    // Over the per-address limit the answer is the same: the caller learns nothing, the mailbox gets nothing more.
    if (!(await this.addressLimit.allows(email))) return;
    await this.requests.enqueue({ emailKey: emailKey(email.trim()), ipAddress: ctx.ipAddress });
  }

  /** The job's half: a live, active account with this address gets a link; any other gets nothing. */
  async sendResetLink(em: EntityManager, request: ResetRequest): Promise<boolean> {
    const user = await em.getRepository(User).findOne({ emailKey: request.emailKey, deletedAt: null });
    if (!user || !user.isActive) return false;
    const ctx: CommandContext = { actor: null, ipAddress: request.ipAddress, em };
    await this.commands.run(ctx, {
      name: 'password.reset-request',
      validate: () => undefined,
      authorize: () => undefined,
      work: async ({ audit, emit }) => {
        audit({ action: 'auth.password_reset_requested', entityType: 'user', entityId: user.id, userId: user.id });
        emit<PasswordResetRequested>({ type: 'PasswordResetRequested', userId: user.id });
      },
    });
    return true;
  }

  async resetPassword(ctx: RequestContext, raw: unknown): Promise<void> {
    this.assertEnabled();
    const user = await this.commands.run(ctx, {
      name: 'password.reset',
      validate: () => validateInput(ResetPasswordInput, raw),
      // The token is only looked at here; it is spent in the transaction that sets the password.
      authorize: async (input) => ({ input, owner: await this.tokens.peek(ctx.em, input.token, 'reset_password') }),
      prepare: async ({ input, owner }) => {
        const user = await ctx.em.getRepository(User).findOne({ id: owner.userId, deletedAt: null });
        if (!user) throw new OneTimeTokenInvalidError();
        assertPasswordDiffersFromIdentity(input.newPassword, user.username, user.email, 'newPassword');
        await assertPasswordIsNew(ctx.em, this.hasher, user, input.newPassword);
        return { token: input.token, passwordHash: await this.hasher.hash(input.newPassword) };
      },
      work: async ({ em, audit, emit }, { token, passwordHash }) => {
        const redeemed = await this.tokens.consume(em, token, 'reset_password');
        const user = await em.getRepository(User).findOne({ id: redeemed.userId, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!user) throw new OneTimeTokenInvalidError();
        user.passwordHash = passwordHash;
        // The link reached the account's own address: that proves the mailbox as a verification link would.
        const verifies = redeemed.email === user.email && !user.emailVerified;
        if (verifies) user.emailVerified = true;
        // Whoever knew the old password, or holds a session opened with it, is out.
        em.getRepository(User).renewStamp(user);
        em.persist(em.create(PasswordHistory, { user, passwordHash }));
        const ended = await em.getRepository(Session).deleteByUserId(user.id);
        audit({ action: 'auth.password_reset', entityType: 'user', entityId: user.id, userId: user.id });
        emit<PasswordChanged>({ type: 'PasswordChanged', userId: user.id, via: 'reset' });
        if (ended.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: ended, userId: user.id, reason: 'password_reset' });
        emit<UserChanged>({ type: 'UserChanged', userId: user.id, fields: verifies ? ['password', 'securityStamp', 'emailVerified'] : ['password', 'securityStamp'] });
        return user;
      },
    });
    // The account's lock-out ends with its stamp; this clears the caller's IP, which proved the mailbox.
    await this.throttle.recordSuccess(throttledAccount(user), ctx.ipAddress);
  }

  private assertEnabled(): void {
    if (!this.settings.enabled) throw new ForbiddenError('Password reset is disabled.');
  }
}
