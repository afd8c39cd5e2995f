import { AsyncLocalStorage } from 'node:async_hooks';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { ConflictError, DomainError, TooManyRequestsError, ValidationError } from '../platform/errors/domain.errors';
import type { TokenRefusal } from '../auth/tokens/token.refusal';
import { translateOrmError } from '../platform/errors/orm-error.translator';
import { variableFieldError } from './variable-errors';
import { MfaRequiredError } from '../auth/second-factor.port';

const codeByDomainCode: Record<string, string> = {
  MALFORMED_INPUT: 'BAD_USER_INPUT',
  VALIDATION_FAILED: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  PRECONDITION_REQUIRED: 'PRECONDITION_REQUIRED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/**
 * Apollo's own client-error codes pass through untouched, and so does SERVICE_UNAVAILABLE, which the
 * context function throws when a token cannot be checked (tokenRefusal); everything else unknown is hidden.
 */
const CLIENT_ERROR_CODES = new Set(['UNAUTHENTICATED', 'SERVICE_UNAVAILABLE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

export interface ErrorReporter {
  (error: unknown, requestId: string | undefined): void;
}

/**
 * The request id of the GraphQL request being answered. Apollo formats some errors outside its
 * request pipeline, with no context to read it from (CSRF prevention, a context function that
 * throws, an unparsable body), so the express route keeps it in async-local storage for them too.
 */
export const graphqlRequestScope = new AsyncLocalStorage<{ requestId: string }>();

/**
 * The GraphQL rendering of a refused token (decided by refuseToken; REST renders the same refusal as
 * problem+json). Thrown by the context function, before any field runs, so it carries its HTTP
 * status, and its Retry-After, itself.
 */
export function tokenRefusal(refusal: TokenRefusal): GraphQLError {
  const headers = new HeaderMap(refusal.retryAfterSeconds === undefined ? [] : [['retry-after', String(refusal.retryAfterSeconds)]]);
  const retry = refusal.retryAfterSeconds === undefined ? {} : { retryAfter: refusal.retryAfterSeconds };
  return new GraphQLError(refusal.message, { extensions: { code: refusal.code, ...retry, http: { status: refusal.status, headers } } });
}

/**
 * The GraphQL edge's single mapping from domain errors to `extensions.code`; every error carries the
 * request id, and an unexpected one is logged with it, as REST's are.
 */
export function createFormatError(reportUnexpected: ErrorReporter) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const requestId = graphqlRequestScope.getStore()?.requestId;
    const shaped = mapError(formatted, error, (unexpected) => reportUnexpected(unexpected, requestId));
    return requestId ? { ...shaped, extensions: { ...shaped.extensions, requestId } } : shaped;
  };
}

function mapError(formatted: GraphQLFormattedError, error: unknown, reportUnexpected: (error: unknown) => void): GraphQLFormattedError {
  const original = translateOrmError(unwrapResolverError(error));
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    const extensions: Record<string, unknown> = { code: codeByDomainCode[original.code] ?? original.code };
    if (original instanceof ValidationError) extensions.errors = original.errors;
    if (original instanceof ConflictError && original.field) extensions.field = original.field;
    if (original instanceof TooManyRequestsError) extensions.retryAfter = original.retryAfterSeconds;
    if (original instanceof MfaRequiredError) Object.assign(extensions, { mfaToken: original.challenge.mfaToken, methods: original.challenge.methods, expiresIn: original.challenge.expiresIn });
    return { ...base, message: original.message, extensions };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) {
    const { stacktrace: _stacktrace, http: _http, ...extensions } = formatted.extensions ?? {};
    // A value a scalar refused names its field like a ValidationError does, as REST's errors do.
    const fieldError = code === 'BAD_USER_INPUT' ? variableFieldError(original) : undefined;
    return { ...base, extensions: { ...extensions, code, ...(fieldError ? { errors: [fieldError] } : {}) } };
  }
  reportUnexpected(original);
  return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
