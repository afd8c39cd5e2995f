import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  EmailNotVerifiedError,
  ConflictError,
  DomainError,
  ForbiddenError,
  MfaEnrolmentRequiredError,
  MalformedInputError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthenticatedError,
  ValidationError,
} from '../platform/errors/domain.errors';
import { translateOrmError } from '../platform/errors/orm-error.translator';
import { REAUTHENTICATION_PROBLEM, ReauthenticationRequiredError, STEP_UP_MAX_AGE_SECONDS } from '../mfa/step-up.policy';
import { type Problem, sendProblem } from './problem';
import { OneTimeTokenError, OneTimeTokenExpiredError, OneTimeTokenInvalidError, OneTimeTokenUsedError } from '../auth/tokens/one-time-token.errors';

interface ProblemKind {
  status: number;
  slug: string;
  title: string;
}

const kindByError = new Map<Function, ProblemKind>([
  [MalformedInputError, { status: 400, slug: 'malformed-request', title: 'Malformed request' }],
  [ValidationError, { status: 422, slug: 'validation-failed', title: 'Validation failed' }],
  [UnauthenticatedError, { status: 401, slug: 'unauthenticated', title: 'Authentication required' }],
  [ReauthenticationRequiredError, REAUTHENTICATION_PROBLEM],
  [ForbiddenError, { status: 403, slug: 'forbidden', title: 'Forbidden' }],
  [MfaEnrolmentRequiredError, { status: 403, slug: 'mfa-enrolment-required', title: 'Second factor required' }],
  [EmailNotVerifiedError, { status: 403, slug: 'email-not-verified', title: 'E-mail address not verified' }],
  [OneTimeTokenInvalidError, { status: 400, slug: 'link-invalid', title: 'Invalid link' }],
  [OneTimeTokenUsedError, { status: 400, slug: 'link-used', title: 'Link already used' }],
  [OneTimeTokenExpiredError, { status: 400, slug: 'link-expired', title: 'Link expired' }],
  [NotFoundError, { status: 404, slug: 'not-found', title: 'Not found' }],
  [ConflictError, { status: 409, slug: 'conflict', title: 'Conflict' }],
  [PreconditionFailedError, { status: 412, slug: 'precondition-failed', title: 'Precondition failed' }],
  [PreconditionRequiredError, { status: 428, slug: 'precondition-required', title: 'Precondition required' }],
  [TooManyRequestsError, { status: 429, slug: 'rate-limited', title: 'Too many requests' }],
  [ServiceUnavailableError, { status: 503, slug: 'service-unavailable', title: 'Service unavailable' }],
]);

/** body-parser's errors, by their `type`. */
const parserProblems: Record<string, ProblemKind & { detail: string }> = {
  'entity.parse.failed': { status: 400, slug: 'malformed-request', title: 'Malformed request', detail: 'The body is not valid JSON.' },
  'entity.too.large': { status: 413, slug: 'payload-too-large', title: 'Payload too large', detail: 'The body is larger than the server accepts.' },
  'encoding.unsupported': { status: 415, slug: 'unsupported-encoding', title: 'Unsupported encoding', detail: 'The body encoding is not supported.' },
  'charset.unsupported': { status: 415, slug: 'unsupported-charset', title: 'Unsupported charset', detail: 'The body charset is not supported.' },
  'request.aborted': { status: 400, slug: 'malformed-request', title: 'Malformed request', detail: 'The request was aborted.' },
};

/**
 * Other errors raised by express's own layers carry a 4xx status of the http-errors kind: a path
 * parameter that is not valid percent-encoding (URIError), a compressed body that does not inflate.
 */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export interface ProblemMiddlewareOptions {
  reportUnexpected(error: unknown, requestId: string | undefined): void;
}

/** The REST edge's single mapping from errors to problem+json. Unknown errors never leak details. */
export function problemMiddleware(options: ProblemMiddlewareOptions): ErrorRequestHandler {
  return (rawError, req, res, _next) => {
    const error = translateOrmError(rawError);
    const requestId = res.locals.requestId as string | undefined;
    const common = { instance: req.originalUrl.split('?')[0], requestId };
    const parserType = (error as { type?: string }).type;
    const clientStatus = clientErrorStatus(error);

    let problem: Problem;
    if (error instanceof DomainError) {
      const kind = kindByError.get(error.constructor) ?? { status: 400, slug: 'bad-request', title: 'Bad request' };
      problem = { type: `/problems/${kind.slug}`, title: kind.title, status: kind.status, detail: error.message, ...common };
      if (error instanceof ValidationError) problem.errors = error.errors;
      if (error instanceof ConflictError && error.field) problem.field = error.field;
      if ((error instanceof TooManyRequestsError || error instanceof ServiceUnavailableError) && error.retryAfterSeconds !== undefined) {
        problem.retryAfter = error.retryAfterSeconds;
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      // Clients must tell these apart from others of the same status.
      if (error instanceof MfaEnrolmentRequiredError || error instanceof EmailNotVerifiedError || error instanceof OneTimeTokenError) problem.code = error.code;
      if (error instanceof ReauthenticationRequiredError) {
        // A 401 that a new token of the same kind will not fix: the client signs in again (RFC 9470).
        problem.code = error.code;
        res.setHeader('WWW-Authenticate', `Bearer realm="user-api", error="insufficient_user_authentication", max_age=${STEP_UP_MAX_AGE_SECONDS}`);
      }
      if (error instanceof UnauthenticatedError) {
        const presented = typeof req.headers.authorization === 'string';
        res.setHeader('WWW-Authenticate', presented ? 'Bearer realm="user-api", error="invalid_token"' : 'Bearer realm="user-api"');
      }
    } else if (parserType && parserProblems[parserType]) {
      const { slug, ...kind } = parserProblems[parserType];
      problem = { type: `/problems/${slug}`, ...kind, ...common };
    } else if (clientStatus !== undefined) {
      problem = { type: '/problems/malformed-request', title: 'Malformed request', status: clientStatus, detail: 'The request could not be read.', ...common };
    } else {
      options.reportUnexpected(error, requestId);
      problem = { type: '/problems/internal-error', title: 'Internal server error', status: 500, detail: 'An unexpected error occurred.', ...common };
    }
    sendProblem(res, problem);
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
};
