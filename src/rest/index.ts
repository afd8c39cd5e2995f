/**
 * The index of REST routers: the feature routers (users/, auth/, audit/, mfa/) and the service's own pages
 * and probes (http/). The Express app mounts them from here.
 */
export { auditLogsRouter } from '../audit/audit-logs.router';
export { authRouter } from '../auth/auth.router';
export { accountEmailRouter } from '../account/account-email.router';
export { passwordResetRouter } from '../account/password-reset.router';
export { deadLettersRouter } from '../jobs/dead-letters.router';
export { webhooksRouter } from '../webhooks/webhooks.router';
export { mfaRouter, userMfaRouter } from '../mfa/mfa.router';
export { usersRouter } from '../users/users.router';
export { docsRouter } from '../http/docs.router';
export { graphiqlRouter } from '../http/graphiql.router';
export { healthRouter } from '../http/health.router';
export { indexRouter } from '../http/index.router';
export { metricsRouter } from '../http/metrics.router';
export { passkeysRouter } from '../mfa/passkeys.router';
export { accountPagesRouter } from '../http/account-pages.router';
export { devMailRouter } from '../http/dev-mail.router';
