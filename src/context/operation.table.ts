import type { AuditAction } from '../audit/audit-action';
import type { UserRole } from '../users/user-role';
import type { UserAction } from '../users/user.policy';
import type { RateCategory } from '../platform/rate-limit/rate-limit.policy';
import { MfaEnrolmentRequiredError } from '../platform/errors/domain.errors';
import type { Actor } from './request-context';

/** The least a caller must be: anyone, or signed in with at least this role (`user`: any signed-in caller). */
export type MinimumRole = 'anyone' | `${UserRole}`;

/** The bucket an operation spends from: one, or one per kind of caller (sign-up vs. an admin creating an account). */
export type RateSpend = RateCategory | { readonly anonymous: RateCategory; readonly signedIn: RateCategory };

/**
 * One operation of the API, whichever door it comes through. The doors read it: the REST route
 * guard and the GraphQL directives take the rate bucket and the role from here, and the OpenAPI
 * document and schema.graphql print them. The audit and policy actions name what the service
 * records and asks the policy (src/users/user.policy.ts), which stays the rule's only statement.
 */
export interface Operation {
  /** Its REST routes as `METHOD /template`, as express matched them. */
  readonly rest: readonly string[];
  /** Its GraphQL root fields as `Query.name` / `Mutation.name` (a ceremony's two steps are two fields). */
  readonly graphql?: string | readonly string[];
  readonly rate: RateSpend;
  readonly requires: MinimumRole;
  /** The audit actions it may record (none for reads). */
  readonly audit: readonly AuditAction[];
  /** The policy actions the service checks. */
  readonly policy: readonly UserAction[];
  /** Open to a caller who must enrol a second factor first (MFA_REQUIRED_ROLES): signing in and out, and enrolment. */
  readonly beforeEnrolment?: true;
}

const signUpOrWrite: RateSpend = { anonymous: 'signup', signedIn: 'write' };

export const operations = {
  login: { rest: ['POST /v1/auth/login'], graphql: 'Mutation.login', rate: 'auth', requires: 'anyone', audit: ['auth.login', 'auth.login_failed', 'auth.mfa_challenged'], policy: [], beforeEnrolment: true },
  signIn: { rest: [], graphql: 'Mutation.signIn', rate: 'auth', requires: 'anyone', audit: ['auth.login', 'auth.login_failed', 'auth.mfa_challenged'], policy: [], beforeEnrolment: true },
  verifyMfa: { rest: ['POST /v1/auth/mfa/verify', 'POST /v1/auth/mfa/webauthn/options'], graphql: ['Mutation.verifyMfa', 'Mutation.passkeyMfaOptions'], rate: 'auth', requires: 'anyone', audit: ['auth.login', 'auth.mfa_failed', 'mfa.recovery_code_used'], policy: [], beforeEnrolment: true },
  mfaStatus: { rest: ['GET /v1/auth/mfa'], rate: 'read', requires: 'user', audit: [], policy: [], beforeEnrolment: true },
  setupTotp: { rest: ['POST /v1/auth/mfa/totp/setup'], graphql: 'Mutation.setupTotp', rate: 'write', requires: 'user', audit: ['mfa.totp_setup_started'], policy: ['manageMfa'], beforeEnrolment: true },
  confirmTotp: { rest: ['POST /v1/auth/mfa/totp/confirm'], graphql: 'Mutation.confirmTotp', rate: 'write', requires: 'user', audit: ['mfa.totp_enabled'], policy: ['manageMfa'], beforeEnrolment: true },
  disableTotp: { rest: ['DELETE /v1/auth/mfa/totp'], graphql: 'Mutation.disableTotp', rate: 'write', requires: 'user', audit: ['mfa.totp_disabled'], policy: ['manageMfa'] },
  regenerateRecoveryCodes: { rest: ['POST /v1/auth/mfa/recovery-codes'], graphql: 'Mutation.regenerateRecoveryCodes', rate: 'write', requires: 'user', audit: ['mfa.recovery_codes_regenerated'], policy: ['manageMfa'] },
  resetUserMfa: { rest: ['DELETE /v1/users/:id/mfa'], graphql: 'Mutation.resetUserMfa', rate: 'write', requires: 'admin', audit: ['mfa.reset'], policy: ['read', 'resetMfa'] },
  refreshToken: { rest: ['POST /v1/auth/refresh'], graphql: 'Mutation.refreshToken', rate: 'auth', requires: 'anyone', audit: ['auth.refresh_reuse_detected'], policy: [], beforeEnrolment: true },
  logout: { rest: ['POST /v1/auth/logout'], graphql: 'Mutation.logout', rate: 'write', requires: 'user', audit: ['auth.logout'], policy: [], beforeEnrolment: true },
  logoutAll: { rest: ['POST /v1/auth/logout-all'], graphql: 'Mutation.logoutAll', rate: 'write', requires: 'user', audit: ['auth.logout'], policy: [], beforeEnrolment: true },
  validateToken: { rest: ['GET /v1/auth/validate'], rate: 'read', requires: 'user', audit: [], policy: [], beforeEnrolment: true },
  me: { rest: [], graphql: 'Query.me', rate: 'read', requires: 'user', audit: [], policy: ['read'], beforeEnrolment: true },
  createUser: { rest: ['POST /v1/users'], graphql: 'Mutation.createUser', rate: signUpOrWrite, requires: 'anyone', audit: ['user.created'], policy: ['create', 'createPrivileged'] },
  listUsers: { rest: ['GET /v1/users'], graphql: 'Query.users', rate: 'read', requires: 'moderator', audit: [], policy: ['list'] },
  getUser: { rest: ['GET /v1/users/:id'], graphql: 'Query.user', rate: 'read', requires: 'user', audit: [], policy: ['read'] },
  updateUser: {
    rest: ['PUT /v1/users/:id', 'PATCH /v1/users/:id'],
    graphql: 'Mutation.updateUser',
    rate: 'write',
    requires: 'user',
    audit: ['user.updated', 'user.role_changed', 'user.activated', 'user.deactivated', 'user.email_change_requested'],
    policy: ['read', 'updateProfile', 'changeRole', 'changeStatus', 'verifyEmail'],
  },
  deleteUser: { rest: ['DELETE /v1/users/:id'], graphql: 'Mutation.deleteUser', rate: 'write', requires: 'user', audit: ['user.deleted'], policy: ['read', 'delete'] },
  changePassword: { rest: ['POST /v1/users/:id/password'], graphql: 'Mutation.changePassword', rate: 'write', requires: 'user', audit: ['auth.password_changed'], policy: ['read', 'changePassword'] },
  listSessions: { rest: ['GET /v1/users/:id/sessions'], graphql: 'Query.sessions', rate: 'read', requires: 'user', audit: [], policy: ['read', 'manageSessions'] },
  revokeSession: { rest: ['DELETE /v1/users/:id/sessions/:sessionId'], graphql: 'Mutation.revokeSession', rate: 'write', requires: 'user', audit: ['session.revoked'], policy: ['read', 'manageSessions'] },
  userAuditLogs: { rest: ['GET /v1/users/:id/audit-logs'], rate: 'read', requires: 'admin', audit: [], policy: ['readAudit'] },
  auditLogs: { rest: ['GET /v1/audit-logs'], graphql: 'Query.auditLogs', rate: 'read', requires: 'admin', audit: [], policy: ['readAudit'] },
  // Passkeys (issue 16). A ceremony's two steps (options, verify) are one operation: one bucket, one audit trail.
  registerPasskey: {
    rest: ['POST /v1/auth/passkeys/register/options', 'POST /v1/auth/passkeys/register/verify'],
    graphql: ['Mutation.passkeyRegistrationOptions', 'Mutation.registerPasskey'],
    rate: 'write',
    requires: 'user',
    audit: ['auth.passkey_registered'],
    policy: [],
    // A passkey is a second factor: registering one is how a role that must enrol can enrol.
    beforeEnrolment: true,
  },
  listPasskeys: { rest: ['GET /v1/auth/passkeys'], graphql: 'Query.passkeys', rate: 'read', requires: 'user', audit: [], policy: [], beforeEnrolment: true },
  renamePasskey: { rest: ['PATCH /v1/auth/passkeys/:id'], graphql: 'Mutation.renamePasskey', rate: 'write', requires: 'user', audit: ['auth.passkey_renamed'], policy: [] },
  deletePasskey: { rest: ['DELETE /v1/auth/passkeys/:id'], graphql: 'Mutation.deletePasskey', rate: 'write', requires: 'user', audit: ['auth.passkey_removed'], policy: [] },
  passkeyLogin: {
    rest: ['POST /v1/auth/passkeys/login/options', 'POST /v1/auth/passkeys/login/verify'],
    graphql: ['Mutation.passkeyLoginOptions', 'Mutation.signInWithPasskey'],
    rate: 'auth',
    requires: 'anyone',
    audit: ['auth.login', 'auth.login_failed', 'auth.passkey_clone_detected'],
    policy: [],
    beforeEnrolment: true,
  },
  // The e-mail flows (issue 14). Redeeming a link is a guess at a secret, like a login: the auth bucket.
  requestEmailVerification: {
    rest: ['POST /v1/auth/email/verify-request'],
    graphql: 'Mutation.requestEmailVerification',
    rate: 'email',
    requires: 'user',
    audit: ['user.email_verification_requested'],
    policy: [],
    beforeEnrolment: true,
  },
  verifyEmail: { rest: ['POST /v1/auth/email/verify'], graphql: 'Mutation.verifyEmail', rate: 'auth', requires: 'anyone', audit: ['user.email_verified'], policy: [], beforeEnrolment: true },
  confirmEmailChange: { rest: ['POST /v1/auth/email/confirm-change'], graphql: 'Mutation.confirmEmailChange', rate: 'auth', requires: 'anyone', audit: ['user.updated'], policy: [], beforeEnrolment: true },
  requestPasswordReset: {
    rest: ['POST /v1/auth/password/forgot'],
    graphql: 'Mutation.requestPasswordReset',
    rate: 'email',
    requires: 'anyone',
    audit: ['auth.password_reset_requested'],
    policy: [],
    beforeEnrolment: true,
  },
  resetPassword: { rest: ['POST /v1/auth/password/reset'], graphql: 'Mutation.resetPassword', rate: 'auth', requires: 'anyone', audit: ['auth.password_reset'], policy: [], beforeEnrolment: true },
  // The job queue's dead letters (issue 14): mails that failed for good, for admins.
  listDeadLetters: { rest: ['GET /v1/jobs/:queue/dead-letters'], graphql: 'Query.deadLetters', rate: 'read', requires: 'admin', audit: [], policy: ['manageJobs'] },
  retryDeadLetter: { rest: ['POST /v1/jobs/:queue/dead-letters/:id/retry'], graphql: 'Mutation.retryDeadLetter', rate: 'write', requires: 'admin', audit: ['job.dead_letter_retried'], policy: ['manageJobs'] },
  // Webhooks (issue 15): where every user's events go, so admins only.
  listWebhooks: { rest: ['GET /v1/webhooks'], graphql: 'Query.webhooks', rate: 'read', requires: 'admin', audit: [], policy: ['manageWebhooks'] },
  getWebhook: { rest: ['GET /v1/webhooks/:id'], graphql: 'Query.webhook', rate: 'read', requires: 'admin', audit: [], policy: ['manageWebhooks'] },
  createWebhook: { rest: ['POST /v1/webhooks'], graphql: 'Mutation.createWebhook', rate: 'write', requires: 'admin', audit: ['webhook.created'], policy: ['manageWebhooks'] },
  updateWebhook: { rest: ['PATCH /v1/webhooks/:id'], graphql: 'Mutation.updateWebhook', rate: 'write', requires: 'admin', audit: ['webhook.updated'], policy: ['manageWebhooks'] },
  deleteWebhook: { rest: ['DELETE /v1/webhooks/:id'], graphql: 'Mutation.deleteWebhook', rate: 'write', requires: 'admin', audit: ['webhook.deleted'], policy: ['manageWebhooks'] },
  rotateWebhookSecret: { rest: ['POST /v1/webhooks/:id/rotate-secret'], graphql: 'Mutation.rotateWebhookSecret', rate: 'write', requires: 'admin', audit: ['webhook.secret_rotated'], policy: ['manageWebhooks'] },
  listWebhookDeliveries: { rest: ['GET /v1/webhooks/:id/deliveries'], graphql: 'Query.webhookDeliveries', rate: 'read', requires: 'admin', audit: [], policy: ['manageWebhooks'] },
  redeliverWebhook: {
    rest: ['POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver'],
    graphql: 'Mutation.redeliverWebhookDelivery',
    rate: 'write',
    requires: 'admin',
    audit: ['webhook.redelivered'],
    policy: ['manageWebhooks'],
  },
  testWebhook: { rest: ['POST /v1/webhooks/:id/test'], graphql: 'Mutation.testWebhook', rate: 'write', requires: 'admin', audit: ['webhook.tested'], policy: ['manageWebhooks'] },
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof operations;

const entries = Object.entries(operations) as [OperationName, Operation][];
const byRoute = new Map(entries.flatMap(([name, operation]) => operation.rest.map((route) => [route, name] as const)));
/** The GraphQL root fields of an operation, however many. */
export function graphqlFieldsOf(operation: Operation): readonly string[] {
  return operation.graphql === undefined ? [] : typeof operation.graphql === 'string' ? [operation.graphql] : operation.graphql;
}

const byField = new Map(entries.flatMap(([name, operation]) => graphqlFieldsOf(operation).map((field) => [field, name] as const)));

/** The operation a matched REST route is; HEAD is answered by the GET route, as express does. */
export function operationOfRoute(method: string, template: string): OperationName | undefined {
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  return byRoute.get(`${verb} ${template}`);
}

/** The operation a GraphQL root field is, by its coordinate (`Mutation.login`). */
export function operationOfField(typeName: string, fieldName: string): OperationName | undefined {
  return byField.get(`${typeName}.${fieldName}`);
}

/**
 * MFA_REQUIRED_ROLES, for both doors: a caller who must enrol a second factor may run only the
 * operations marked beforeEnrolment; anything else is refused with a clear reason.
 */
export function assertEnrolledFor(name: OperationName, actor: Pick<Actor, 'mustEnrolMfa'> | null): void {
  const operation: Operation = operations[name];
  if (actor?.mustEnrolMfa && !operation.beforeEnrolment) throw new MfaEnrolmentRequiredError();
}

/** The one place that decides which bucket a call spends from, for REST and GraphQL alike. */
export function rateCategoryOf(name: OperationName, signedIn: boolean): RateCategory {
  const rate: RateSpend = operations[name].rate;
  if (typeof rate === 'string') return rate;
  return signedIn ? rate.signedIn : rate.anonymous;
}

/** The category a caller who passed the operation's role gate spends from: the one its limits describe. */
export function gatedRateCategoryOf(name: OperationName): RateCategory {
  return rateCategoryOf(name, operations[name].requires !== 'anyone');
}

/** Whether the operation answers a signed-in caller differently (so a token is optional rather than unused). */
export function treatsSignedInDifferently(name: OperationName): boolean {
  return rateCategoryOf(name, true) !== rateCategoryOf(name, false);
}
