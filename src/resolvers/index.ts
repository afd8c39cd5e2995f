/**
 * The index of GraphQL resolvers. Each lives in its feature folder (users/, auth/, audit/) beside
 * the service it calls; this list is what the schema is built from.
 */
import { AuditLogResolver } from '../audit/audit-log.resolver';
import { AuthResolver } from '../auth/auth.resolver';
import { UserResolver } from '../users/user.resolver';
import { PasskeyResolver } from '../mfa/passkeys.resolver';

export { AuditLogResolver, AuthResolver, UserResolver, PasskeyResolver };
export const resolverClasses = [UserResolver, AuthResolver, AuditLogResolver, PasskeyResolver] as const;
