import { ServiceUnavailableError } from '../../../src/platform/errors/domain.errors';
import { signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/** A refused token is decided once (refuseToken) and rendered by both doors: problem+json and GraphQL. */
describe('a token that is refused, or could not be checked, answers alike at both doors', () => {
  const ctx = useTestServer();

  afterEach(() => jest.restoreAllMocks());

  const bothDoors = async (token: string) => {
    const rest = await ctx.api.get('/v1/auth/validate', { token });
    const graphql = await ctx.api.graphql('{ me { id } }', {}, token);
    return { rest, graphql };
  };

  it('a bad token: 401 with its reason at both doors, and no Retry-After', async () => {
    const user = await signedIn(ctx.server, ctx.api);
    const { rest, graphql } = await bothDoors(`${user.token}x`);
    expect(rest.status).toBe(401);
    expect(rest.body).toMatchObject({ type: '/problems/unauthenticated', status: 401, detail: 'The token is invalid.' });
    expect(rest.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(graphql.status).toBe(401);
    expect(graphql.errors?.map(({ message, extensions }) => ({ message, code: extensions.code }))).toEqual([{ message: 'The token is invalid.', code: 'UNAUTHENTICATED' }]);
    expect([rest.headers.get('retry-after'), graphql.headers.get('retry-after')]).toEqual([null, null]);
  });

  it('the database unreachable while checking: 503 with a Retry-After at both doors', async () => {
    const user = await signedIn(ctx.server, ctx.api);
    jest.spyOn(ctx.server.services.auth, 'authenticate').mockRejectedValue(new ServiceUnavailableError('The database is unavailable.'));
    const { rest, graphql } = await bothDoors(user.token);
    expect(rest.status).toBe(503);
    expect(rest.body).toMatchObject({ type: '/problems/service-unavailable', status: 503, detail: 'The database is unavailable.', retryAfter: 5 });
    expect(graphql.status).toBe(503);
    expect(graphql.errors?.map(({ message, extensions }) => ({ message, extensions }))).toEqual([
      { message: 'The database is unavailable.', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5, requestId: expect.any(String) } },
    ]);
    expect([rest.headers.get('retry-after'), graphql.headers.get('retry-after')]).toEqual(['5', '5']);
  });

  it('an unexpected failure while checking: 503 with a Retry-After at both doors (never a 500), internals only in the log', async () => {
    const user = await signedIn(ctx.server, ctx.api);
    const logsBefore = ctx.server.logs.length;
    jest.spyOn(ctx.server.services.auth, 'authenticate').mockRejectedValue(new TypeError('secret-internal-detail at 10.0.0.5'));
    const { rest, graphql } = await bothDoors(user.token);
    expect(rest.status).toBe(503);
    expect(rest.body).toMatchObject({ type: '/problems/service-unavailable', status: 503, detail: 'Authentication could not be checked.', retryAfter: 5 });
    expect(graphql.status).toBe(503);
    expect(graphql.errors?.map(({ message, extensions }) => ({ message, code: extensions.code }))).toEqual([{ message: 'Authentication could not be checked.', code: 'SERVICE_UNAVAILABLE' }]);
    expect([rest.headers.get('retry-after'), graphql.headers.get('retry-after')]).toEqual(['5', '5']);
    expect(`${rest.text}${JSON.stringify(graphql.errors)}`).not.toContain('secret-internal-detail');
    // Reported once per request, with its request id, for the operator.
    const reported = ctx.server.logs.slice(logsBefore).filter((line) => line.message === 'Unexpected error');
    expect(reported.map((line) => line.request_id)).toEqual([rest.headers.get('x-request-id'), graphql.headers.get('x-request-id')]);
    expect(JSON.stringify(reported)).toContain('secret-internal-detail');
  });
});
