/**
 * The index of services, where the business rules live. Each sits in its feature folder; the
 * composition root (app/container.ts) wires them from here.
 */
export { AuditQueryService } from '../audit/audit-query.service';
export { AuditStreamPublisher } from '../audit/audit-stream.publisher';
export { AuditService } from '../audit/audit.service';
export { AuthService } from '../auth/auth.service';
export { EmailChangeService } from '../account/email-change.service';
export { EmailVerificationService } from '../account/email-verification.service';
export { PasswordResetService } from '../account/password-reset.service';
export { DeadLetterService } from '../jobs/dead-letter.service';
export { PasswordService } from '../auth/passwords/password.service';
export { SessionService } from '../auth/sessions/session.service';
export { MfaAccountService } from '../mfa/mfa-account.service';
export { MfaLoginService } from '../mfa/mfa-login.service';
export { AdminAccountService } from '../users/admin-account.service';
export { UserService } from '../users/user.service';
export { WebhookService } from '../webhooks/webhook.service';
