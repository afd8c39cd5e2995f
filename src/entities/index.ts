import { AuditLog } from '../audit/audit-log.entity';
import { PasswordHistory } from '../auth/passwords/password-history.entity';
import { OneTimeToken } from '../auth/tokens/one-time-token.entity';
import { Session } from '../auth/sessions/session.entity';
import { User } from '../users/user.entity';
import { mfaEntities } from '../mfa/mfa.entities';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity';

export { AuditLog, OneTimeToken, PasswordHistory, Session, User, WebhookEndpoint };
export { UserRole } from '../users/user-role';
export const entities = [User, Session, AuditLog, PasswordHistory, OneTimeToken, ...mfaEntities, WebhookEndpoint];
