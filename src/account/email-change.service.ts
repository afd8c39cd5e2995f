import { LockMode } from '@mikro-orm/postgresql';
import type { RequestContext } from '../context/request-context';
import type { AuditedCommands } from '../audit/audited-command.pipeline';
import type { OneTimeTokenService } from '../auth/tokens/one-time-token.service';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError } from '../auth/tokens/one-time-token.errors';
import { validateInput } from '../platform/validation/validate-input';
import { User } from '../users/user.entity';
import type { EmailAddressChanged, UserChanged } from '../users/user.events';
import { LinkTokenInput } from './account-email.inputs';

/**
 * The second half of an owner's e-mail change (the first is UserService.updateUser, which parks the
 * new address in pendingEmail and mails it a link): the link proves the new mailbox, so the address
 * applies, verified. If someone took the address meanwhile, the unique index says so (409).
 */
export class EmailChangeService {
  constructor(
    private readonly commands: AuditedCommands,
    private readonly tokens: OneTimeTokenService,
  ) {}

  async confirmEmailChange(ctx: RequestContext, raw: unknown): Promise<{ email: string }> {
    return this.commands.run(ctx, {
      name: 'email.confirm-change',
      validate: () => validateInput(LinkTokenInput, raw),
      authorize: (input) => input,
      work: async ({ em, audit, emit }, { token }) => {
        const redeemed = await this.tokens.consume(em, token, 'change_email');
        const user = await em.getRepository(User).findOne({ id: redeemed.userId, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!user || redeemed.email === null) throw new OneTimeTokenInvalidError();
        // Another change was asked for (or the address changed another way) since this link was sent.
        if (user.pendingEmail !== redeemed.email) throw new OneTimeTokenExpiredError('superseded');
        const previous = { email: user.email, emailVerified: user.emailVerified };
        em.getRepository(User).update(user, { email: redeemed.email, emailVerified: true, pendingEmail: null });
        // Flushed here, so a taken address is a 409 of this command rather than a failed commit.
        await em.flush();
        audit({ action: 'user.updated', entityType: 'user', entityId: user.id, userId: user.id, oldValues: previous, newValues: { email: user.email, emailVerified: true } });
        emit<UserChanged>({ type: 'UserChanged', userId: user.id, fields: ['email', 'emailVerified', 'pendingEmail'] });
        emit<EmailAddressChanged>({ type: 'EmailAddressChanged', userId: user.id, email: user.email, previousEmail: previous.email, verified: true, byAdmin: false });
        return { email: user.email };
      },
    });
  }
}
