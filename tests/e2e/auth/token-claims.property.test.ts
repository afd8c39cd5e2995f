import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { UserRole } from '../../../src/users/user-role';
import { decodeToken, signRawWithServerSecret } from '../../support/auth';
import { useTestServer } from '../../support/use-test-server';
import { signedIn, type SignedIn } from '../../support/factories';

/**
 * Tokens signed with the server's real key but with claims of every odd shape: a claim missing, of
 * the wrong type, a non-UUID id, a number that is no timestamp. Whatever the shape, the answer is
 * 200 (all claims well formed and naming a live session) or 401, on every door; never a 500.
 */
const RUNS = Number(process.env.TOKEN_CLAIM_RUNS ?? 60);

const ABSENT = Symbol('absent');
type Claim = unknown;

/** Values no claim of ours ever holds. */
const oddValue: fc.Arbitrary<Claim> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'not-a-uuid', "1' or '1'='1", '{x}', 'x}:{y', '00000000-0000-0000-0000-00000000000g', `${randomUUID()} `, '../..', '\u0000'),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, 1.5),
);

/**
 * Well-formed claims with up to `maxOdd` of them replaced by an odd value or removed: one odd claim
 * at a time is what finds a missing check, several at once what finds a check in the wrong order.
 */
function claims(real: Record<string, fc.Arbitrary<Claim>>, maxOdd = 3): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(real);
  return fc
    .tuple(
      fc.record(real),
      fc.subarray(names, { maxLength: maxOdd }),
      fc.array(fc.oneof({ arbitrary: oddValue, weight: 3 }, { arbitrary: fc.constant(ABSENT), weight: 1 }), { minLength: names.length, maxLength: names.length }),
    )
    .map(([valid, odd, replacements]) => {
      const result: Record<string, unknown> = { ...valid };
      odd.forEach((name, index) => {
        if (replacements[index] === ABSENT) delete result[name];
        else result[name] = replacements[index];
      });
      return result;
    });
}

describe('every JWT claim is validated: odd claims are 401, never 500', () => {
  const ctx = useTestServer();
  let user: SignedIn;
  let real: Record<string, unknown>;

  beforeAll(async () => {
    user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    real = decodeToken(user.token);
  });

  /** Whether the claims are what the server issues: then, for the real session, the token is good. */
  function wellFormed(claims: Record<string, unknown>): boolean {
    const now = Math.floor(Date.now() / 1000);
    const uuid = (value: unknown) => typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
    // A second past 8.64e12 is past what a Date can hold: no time the server could compare with.
    const isInt = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value <= 8_640_000_000_000;
    return (
      claims.sub === real.sub &&
      claims.sid === real.sid &&
      uuid(claims.jti) &&
      claims.type === 'access' &&
      // Ours are never empty (signup requires a username) and fit the column; '' is what seed 1258970377 found.
      typeof claims.username === 'string' &&
      claims.username.length >= 1 &&
      claims.username.length <= 254 &&
      Object.values(UserRole).includes(claims.role as UserRole) &&
      isInt(claims.iat) &&
      isInt(claims.exp) &&
      (claims.iat as number) <= now + 60 &&
      (claims.iat as number) > 0 &&
      (claims.exp as number) > now &&
      (claims.exp as number) > (claims.iat as number)
    );
  }

  it('access tokens: 200 exactly when every claim is well formed, else 401, on validate, REST, GraphQL', async () => {
    const now = Math.floor(Date.now() / 1000);
    const accessClaims = claims({
      sub: fc.constant(real.sub),
      sid: fc.constant(real.sid),
      jti: fc.uuid(),
      type: fc.constantFrom('access', 'access', 'refresh'),
      username: fc.constant(real.username),
      role: fc.constantFrom(...Object.values(UserRole), 'superuser', 'ADMIN'),
      iat: fc.integer({ min: now - 600, max: now }),
      exp: fc.integer({ min: now + 60, max: now + 900 }),
    });
    await fc.assert(
      fc.asyncProperty(accessClaims, async (claims) => {
        const token = signRawWithServerSecret(ctx.server, claims);
        const expected = wellFormed(claims) ? 200 : 401;
        const validate = await ctx.api.get('/v1/auth/validate', { token });
        const read = await ctx.api.get(`/v1/users/${user.id}`, { token });
        const graphql = await ctx.api.graphql('{ me { id } }', {}, token);
        const graphqlStatus = graphql.errors ? (graphql.errors[0].extensions.code === 'UNAUTHENTICATED' ? 401 : 500) : 200;
        const statuses = [validate.status, read.status, graphqlStatus];
        // On a mismatch the refusals' reasons say which check refused.
        const why = statuses.every((status) => status === expected) ? undefined : [validate.body?.detail, read.body?.detail, graphql.errors?.[0].message];
        expect({ claims, statuses, why }).toEqual({ claims, statuses: [expected, expected, expected], why: undefined });
      }),
      { numRuns: RUNS },
    );
  });

  it('refresh tokens: odd claims are 401 on refresh and on GraphQL refreshToken', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Never the live session's sid: a well-formed token that is not the session's current one revokes it (reuse).
    const refreshClaims = claims({
      sub: fc.constant(real.sub),
      sid: fc.uuid(),
      jti: fc.uuid(),
      type: fc.constantFrom('refresh', 'refresh', 'access'),
      iat: fc.integer({ min: now - 600, max: now }),
      exp: fc.integer({ min: now + 60, max: now + 900 }),
    });
    await fc.assert(
      fc.asyncProperty(refreshClaims, async (claims) => {
        const refreshToken = signRawWithServerSecret(ctx.server, claims);
        const rest = await ctx.api.post('/v1/auth/refresh', { refreshToken });
        const graphql = await ctx.api.graphql('mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', { t: refreshToken });
        expect({ claims, status: rest.status, code: graphql.errors?.[0].extensions.code }).toEqual({ claims, status: 401, code: 'UNAUTHENTICATED' });
      }),
      { numRuns: RUNS },
    );
    // The odd tokens did not touch the real session.
    expect((await ctx.api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
  });

  it('a token whose sid or sub is no UUID is 401 on every route that authenticates', async () => {
    for (const overrides of [{ sid: 'not-a-uuid' }, { sub: 'x' }, { sid: `{${real.sid}}` }, { iat: 'yesterday' }, { exp: String(real.exp) }, { username: '' }]) {
      const token = signRawWithServerSecret(ctx.server, { ...real, jti: randomUUID(), ...overrides });
      const statuses = await Promise.all([
        ctx.api.get('/v1/auth/validate', { token }),
        ctx.api.post('/v1/auth/logout', undefined, { token }),
        ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Nope' }, { token }),
        ctx.api.get('/v1/users', { token }),
      ]);
      expect({ overrides, statuses: statuses.map((response) => response.status) }).toEqual({ overrides, statuses: [401, 401, 401, 401] });
      const refreshToken = signRawWithServerSecret(ctx.server, { sub: real.sub, sid: 'not-a-uuid', jti: randomUUID(), type: 'refresh', ...overrides });
      expect((await ctx.api.post('/v1/auth/refresh', { refreshToken })).status).toBe(401);
    }
  });
});
