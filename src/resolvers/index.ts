/**
 * The index of GraphQL resolvers. Each lives in its feature folder (users/, auth/, audit/, mfa/, account/) beside
 * the service it calls; this list is what the schema is built from.
 */
import { AuditLogResolver } from '../audit/audit-log.resolver';
import { AuthResolver } from '../auth/auth.resolver';
import { MfaResolver } from '../mfa/mfa.resolver';
import { UserResolver } from '../users/user.resolver';
import { PasskeyResolver } from '../mfa/passkeys.resolver';
import { AccountEmailResolver } from '../account/account-email.resolver';
import { DeadLetterResolver } from '../jobs/dead-letter.resolver';
import { WebhookResolver } from '../webhooks/webhook.resolver';

export { AccountEmailResolver, AuditLogResolver, DeadLetterResolver, AuthResolver, MfaResolver, PasskeyResolver, UserResolver, WebhookResolver };
export const resolverClasses = [UserResolver, AuthResolver, AuditLogResolver, MfaResolver, PasskeyResolver, AccountEmailResolver, DeadLetterResolver, WebhookResolver] as const;
