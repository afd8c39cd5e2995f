import type { RequestContext } from '../context/request-context';
import type { AuditedCommands } from '../audit/audited-command.pipeline';
import type { OneTimeTokenService } from '../auth/tokens/one-time-token.service';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError } from '../auth/tokens/one-time-token.errors';
import { requireActor } from '../auth/auth.service';
import { ConflictError } from '../platform/errors/domain.errors';
import { validateInput } from '../platform/validation/validate-input';
import { User } from '../users/user.entity';
import type { EmailVerificationRequested, EmailVerified, UserChanged } from '../users/user.events';
import { LinkTokenInput } from './account-email.inputs';
import type { AddressRateLimit } from './address-rate.limit';

/** E-mail verification: a signed-in user asks for a link; whoever holds it confirms the address. */
export class EmailVerificationService {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly tokens: OneTimeTokenService,
    private readonly addressLimit: AddressRateLimit,
  ) {}

  /** A new link to the caller's address; older ones stop working. */
  async requestVerification(ctx: RequestContext): Promise<void> {
    const actor = requireActor(ctx);
    await this.commands.run(ctx, {
      name: 'email.verify-request',
      validate: () => undefined,
      authorize: async () => {
        const user = await ctx.em.getRepository(User).findOne({ id: actor.id, deletedAt: null });
        if (!user) throw new OneTimeTokenInvalidError();
        if (user.emailVerified) throw new ConflictError('Your e-mail address is already confirmed.');
        await this.addressLimit.consume(user.email);
        return user;
      },
      work: async ({ audit, emit }, user) => {
        audit({ action: 'user.email_verification_requested', entityType: 'user', entityId: user.id });
        emit<EmailVerificationRequested>({ type: 'EmailVerificationRequested', userId: user.id });
      },
    });
  }

  /** Uses the link's token once; answers the address it confirmed. */
  async verifyEmail(ctx: RequestContext, raw: unknown): Promise<{ email: string }> {
    return this.commands.run(ctx, {
      name: 'email.verify',
      validate: () => validateInput(LinkTokenInput, raw),
      authorize: (input) => input,
      work: async ({ em, audit, emit }, { token }) => {
        const redeemed = await this.tokens.consume(em, token, 'verify_email');
        const user = await em.getRepository(User).findOne({ id: redeemed.userId, deletedAt: null }, { refresh: true });
        if (!user) throw new OneTimeTokenInvalidError();
        // Mailed to an address the account no longer has: it proves nothing about the current one.
        if (redeemed.email !== user.email) throw new OneTimeTokenExpiredError('superseded');
        if (!user.emailVerified) {
          user.emailVerified = true;
          audit({ action: 'user.email_verified', entityType: 'user', entityId: user.id, userId: user.id, oldValues: { emailVerified: false }, newValues: { emailVerified: true } });
          emit<UserChanged>({ type: 'UserChanged', userId: user.id, fields: ['emailVerified'] });
          emit<EmailVerified>({ type: 'EmailVerified', userId: user.id });
        }
        return { email: user.email };
      },
    });
  }
}
