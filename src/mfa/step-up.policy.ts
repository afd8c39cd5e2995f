import { DomainError } from '../platform/errors/domain.errors';

/**
 * The action needs a sign-in (or a second factor) within the last few minutes. REST answers 401
 * with this code, GraphQL `extensions.code`: the client signs in again, then retries.
 */
export class ReauthenticationRequiredError extends DomainError {
  readonly code = 'REAUTHENTICATION_REQUIRED';

  constructor(message = 'This action needs a recent sign-in; sign in again and retry.') {
    super(message);
  }
}

/** For the REST edge's map (src/http/problem.middleware.ts looks errors up by their exact class). */
export const REAUTHENTICATION_PROBLEM = { status: 401, slug: 'reauthentication-required', title: 'Reauthentication required' } as const;

/** Changing the password or e-mail, turning MFA off, new recovery codes, admin role changes. */
export type StepUpAction = 'change-password' | 'change-email' | 'disable-mfa' | 'regenerate-recovery-codes' | 'change-role' | 'remove-passkey';

export const STEP_UP_MAX_AGE_SECONDS = 300;

/** What an access token says about how and when its user proved who they are (RFC 8176, OIDC). */
export interface AuthenticationClaims {
  /** `pwd`, `otp`, `hwk`, ... */
  amr?: string[];
  /** Seconds since the epoch of the last sign-in or second factor. */
  auth_time?: number;
}

/**
 * Throws unless the token shows a sign-in within `maxAgeSeconds`. A token without `auth_time`
 * (issued before MFA existed) counts as old: a stolen access token must not disable the second factor.
 */
export function requireRecentAuthentication(claims: AuthenticationClaims, nowMs: number, maxAgeSeconds = STEP_UP_MAX_AGE_SECONDS): void {
  const authTime = claims.auth_time;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) throw new ReauthenticationRequiredError();
  const ageSeconds = nowMs / 1000 - authTime;
  // A little future skew between instances is tolerated; more is a forged or broken clock.
  if (ageSeconds > maxAgeSeconds || ageSeconds < -30) throw new ReauthenticationRequiredError();
}

/** Step-up for the signed-in caller: its token's `auth_time` (see requireRecentAuthentication). */
export function requireRecentSignIn(actor: { authTime?: number }, nowMs: number = Date.now()): void {
  requireRecentAuthentication({ auth_time: actor.authTime }, nowMs);
}

/** The claims a new token pair carries: each factor once, in the order proven; `auth_time` in seconds. */
export function authenticationClaims(amr: readonly string[], authTimeMs: number): Required<AuthenticationClaims> {
  return { amr: [...new Set(amr)], auth_time: Math.floor(authTimeMs / 1000) };
}

/**
 * MFA_REQUIRED_ROLES: a user of such a role without a second factor may only enrol one. Answers
 * whether the request must be refused (the caller lets the MFA enrolment routes through).
 */
export function mustEnrolFirst(role: string, hasSecondFactor: boolean, requiredRoles: readonly string[]): boolean {
  return !hasSecondFactor && requiredRoles.includes(role);
}
