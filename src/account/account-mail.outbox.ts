import type { EntityManager } from '@mikro-orm/postgresql';
import type { DomainEvent } from '../platform/commands/domain-event';
import type { OneTimeTokenService } from '../auth/tokens/one-time-token.service';
import { ONE_TIME_TOKEN_TTL_SECONDS } from '../auth/tokens/one-time-token.service';
import type { OneTimeTokenPurpose } from '../auth/tokens/one-time-token.entity';
import type { MailMessage } from '../mail/mailer';
import { User } from '../users/user.entity';
import type { EmailAddressChanged, EmailChangeRequested, EmailVerificationRequested, PasswordResetRequested, UserChanged, UserCreated } from '../users/user.events';

/** Puts a mail on the durable queue inside the caller's transaction (src/jobs, the mail.send queue). */
export interface MailQueuePort {
  enqueue(em: EntityManager, message: MailMessage): Promise<void>;
}

/** Where each link of a mail points (ACCOUNT_LINK_BASE_URL, default PUBLIC_URL/account). */
export class AccountLinks {
  constructor(private readonly baseUrl: string) {}

  verifyEmail(token: string): string {
    return `${this.baseUrl}/verify-email?token=${token}`;
  }

  resetPassword(token: string): string {
    return `${this.baseUrl}/reset-password?token=${token}`;
  }

  confirmEmail(token: string): string {
    return `${this.baseUrl}/confirm-email?token=${token}`;
  }
}

type MailEvent = UserCreated | UserChanged | EmailAddressChanged | EmailChangeRequested | EmailVerificationRequested | PasswordResetRequested;

/**
 * The account mails, decided inside the transaction of the write that causes them: the link's token
 * and the mail job commit with the write or not at all (no mail for a rolled-back sign-up, no lost
 * mail for a committed one, whatever crashes when). A newer token, a password change or an address
 * change makes older links stop working here too, in the same transaction.
 */
export class AccountMailOutbox {
  constructor(
    private readonly tokens: OneTimeTokenService,
    private readonly mail: MailQueuePort,
    private readonly links: AccountLinks,
  ) {}

  /** The event bus's in-transaction handler. */
  readonly handle = async (em: EntityManager, events: readonly DomainEvent[]): Promise<void> => {
    for (const event of events as readonly MailEvent[]) await this.on(em, event);
  };

  private async on(em: EntityManager, event: MailEvent): Promise<void> {
    switch (event.type) {
      case 'UserCreated':
        if (event.sendWelcome) await this.verificationMail(em, event.userId, 'welcome');
        return;
      case 'EmailVerificationRequested':
        await this.verificationMail(em, event.userId, 'verify-email');
        return;
      case 'PasswordResetRequested':
        await this.resetMail(em, event.userId);
        return;
      case 'EmailChangeRequested':
        await this.changeMails(em, event);
        return;
      case 'EmailAddressChanged':
        await this.addressChanged(em, event);
        return;
      case 'UserChanged':
        // A new password (by its owner, an admin or a reset) makes every reset link sent before it useless.
        if (event.fields.includes('password')) await this.tokens.invalidate(em, event.userId, ['reset_password']);
        return;
      default:
        return;
    }
  }

  private async userOf(em: EntityManager, userId: string): Promise<User> {
    // By id alone: the write that caused the mail usually holds the user already (a sign-up just
    // inserted it), and then the identity map answers without a query.
    const user = await em.findOne(User, userId);
    if (!user || user.deletedAt !== null) throw new Error(`account mail for a user that is gone: ${userId}`);
    return user;
  }

  private async verificationMail(em: EntityManager, userId: string, template: 'welcome' | 'verify-email'): Promise<void> {
    const user = await this.userOf(em, userId);
    const token = await this.issue(em, user, 'verify_email', user.email);
    await this.mail.enqueue(em, { template, to: user.email, params: { name: user.firstName, verifyUrl: this.links.verifyEmail(token) } });
  }

  private async resetMail(em: EntityManager, userId: string): Promise<void> {
    const user = await this.userOf(em, userId);
    const token = await this.issue(em, user, 'reset_password', user.email);
    const expiresInMinutes = ONE_TIME_TOKEN_TTL_SECONDS.reset_password / 60;
    await this.mail.enqueue(em, { template: 'password-reset', to: user.email, params: { name: user.firstName, resetUrl: this.links.resetPassword(token), expiresInMinutes } });
  }

  private async changeMails(em: EntityManager, event: EmailChangeRequested): Promise<void> {
    const user = await this.userOf(em, event.userId);
    const token = await this.issue(em, user, 'change_email', event.newEmail);
    await this.mail.enqueue(em, { template: 'email-change-confirm', to: event.newEmail, params: { name: user.firstName, confirmUrl: this.links.confirmEmail(token), newEmail: event.newEmail } });
    // The owner of the old address hears of it, with no link: whoever took the session cannot use this mail.
    await this.mail.enqueue(em, { template: 'email-changed-notice', to: event.currentEmail, params: { name: user.firstName, newEmail: event.newEmail, applied: false } });
  }

  private async addressChanged(em: EntityManager, event: EmailAddressChanged): Promise<void> {
    // Links to the old address (verification, a pending change) must not work any more.
    await this.tokens.invalidate(em, event.userId, ['verify_email', 'change_email']);
    if (!event.verified) await this.verificationMail(em, event.userId, 'verify-email');
    if (event.byAdmin) {
      const user = await this.userOf(em, event.userId);
      await this.mail.enqueue(em, { template: 'email-changed-notice', to: event.previousEmail, params: { name: user.firstName, newEmail: event.email, applied: true } });
    }
  }

  private async issue(em: EntityManager, user: User, purpose: OneTimeTokenPurpose, email: string): Promise<string> {
    // The token's row refers to the user's, which a sign-up has only staged so far: written first.
    await em.flush();
    return (await this.tokens.issue(em, { userId: user.id, purpose, email })).token;
  }
}
