import { refuseToken, TOKEN_CHECK_RETRY_AFTER_SECONDS } from '../../../src/auth/tokens/token.refusal';
import { NotFoundError, ServiceUnavailableError, UnauthenticatedError } from '../../../src/platform/errors/domain.errors';

describe('refuseToken: one decision for both doors', () => {
  it('refuses a bad token with 401 and its own reason, the error itself for REST', () => {
    const cause = new UnauthenticatedError('The token has expired.');
    expect(refuseToken(cause)).toEqual({ status: 401, code: 'UNAUTHENTICATED', message: 'The token has expired.', error: cause, unexpected: false });
  });

  it('answers a store that could not be reached with 503, its safe message and a Retry-After', () => {
    const refusal = refuseToken(new ServiceUnavailableError('The database is unavailable.'));
    expect(refusal).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable.', retryAfterSeconds: TOKEN_CHECK_RETRY_AFTER_SECONDS, unexpected: false });
    expect(refusal.error).toEqual(new ServiceUnavailableError('The database is unavailable.', TOKEN_CHECK_RETRY_AFTER_SECONDS));
    expect((refusal.error as ServiceUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it.each([
    ['a raw store error', Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379 password=hunter2'), { code: 'ECONNREFUSED' })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'securityStamp')")],
    ['another domain error', new NotFoundError('no such row')],
  ])('answers %s with 503 and a generic message, never a 500 with internals, and marks it for reporting', (_case, cause) => {
    const refusal = refuseToken(cause);
    expect(refusal).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Authentication could not be checked.', retryAfterSeconds: TOKEN_CHECK_RETRY_AFTER_SECONDS, unexpected: true });
    expect(refusal.error).toBeInstanceOf(ServiceUnavailableError);
    expect(refusal.error.message).toBe('Authentication could not be checked.');
  });
});
