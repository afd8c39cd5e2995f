import { ServiceUnavailableError, UnauthenticatedError } from '../../platform/errors/domain.errors';

/**
 * How long a client is told to wait before presenting a token that could not be checked. The stores
 * behind the check (PostgreSQL, Redis) come back within seconds of a restart or a failover; sooner
 * retries would only pile onto a store that is recovering.
 */
export const TOKEN_CHECK_RETRY_AFTER_SECONDS = 5;

/** The answer to a bearer token that was presented and not accepted, whichever door renders it. */
export interface TokenRefusal {
  status: 401 | 503;
  code: 'UNAUTHENTICATED' | 'SERVICE_UNAVAILABLE';
  /** Safe to show: the token's fault, or that the check could not be made; never the cause's internals. */
  message: string;
  retryAfterSeconds?: number;
  /** The same answer as a domain error, for a door that maps domain errors (REST's problem+json). */
  error: UnauthenticatedError | ServiceUnavailableError;
  /** The cause was no known refusal (a bug, a raw store error): the door reports it with the request id. */
  unexpected: boolean;
}

/**
 * Decides, once for both doors, how a failed token check is answered: a bad, expired, revoked or
 * orphaned token is 401 with its reason; anything else means the token could not be checked, which
 * is not "signed out" either, so 503 with a Retry-After, and never a 500 carrying internals.
 */
export function refuseToken(cause: unknown): TokenRefusal {
  if (cause instanceof UnauthenticatedError) {
    return { status: 401, code: 'UNAUTHENTICATED', message: cause.message, error: cause, unexpected: false };
  }
  const known = cause instanceof ServiceUnavailableError;
  const message = known ? cause.message : 'Authentication could not be checked.';
  const error = new ServiceUnavailableError(message, TOKEN_CHECK_RETRY_AFTER_SECONDS);
  return { status: 503, code: 'SERVICE_UNAVAILABLE', message, retryAfterSeconds: TOKEN_CHECK_RETRY_AFTER_SECONDS, error, unexpected: !known };
}
