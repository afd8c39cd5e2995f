/**
 * Errors the services speak. They carry no HTTP or GraphQL knowledge: each edge maps them once
 * (REST: problem.middleware.ts, GraphQL: format-error.ts).
 */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request could not be understood at all (malformed JSON, malformed id). */
export class MalformedInputError extends DomainError {
  readonly code = 'MALFORMED_INPUT';
}

/** The request was understood, but one or more fields break the rules. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';

  constructor(readonly errors: FieldError[], message = 'One or more fields are invalid.') {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';

  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** The client's precondition (If-Match, expectedVersion) no longer holds: someone changed it first. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'PRECONDITION_FAILED';
}

/** The server requires a precondition (REQUIRE_IF_MATCH) and the client sent none. */
export class PreconditionRequiredError extends DomainError {
  readonly code = 'PRECONDITION_REQUIRED';
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';

  /** The one answer to a caller who must be signed in and is not, whichever layer notices first. */
  static required(): UnauthenticatedError {
    return new UnauthenticatedError('Authentication is required.');
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

/**
 * MFA_REQUIRED_ROLES: the caller's role must enrol a second factor before anything but enrolment
 * (and signing in or out). REST answers 403 with this code, GraphQL `extensions.code`.
 */
export class MfaEnrolmentRequiredError extends DomainError {
  readonly code = 'MFA_ENROLMENT_REQUIRED';

  constructor(message = 'Your role must set up a second factor first: POST /v1/auth/mfa/totp/setup then /confirm (GraphQL setupTotp, confirmTotp).') {
    super(message);
  }
}

export class TooManyRequestsError extends DomainError {
  readonly code = 'RATE_LIMITED';

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export class ServiceUnavailableError extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';

  /** Given when the client can be told when to try again (a Retry-After). */
  constructor(message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

/** REQUIRE_VERIFIED_EMAIL: the password was right, but the address is not confirmed yet. */
export class EmailNotVerifiedError extends DomainError {
  readonly code = 'EMAIL_NOT_VERIFIED';

  constructor() {
    super('Confirm your e-mail address first: open the link we sent you, or ask for a new one.');
  }
}
