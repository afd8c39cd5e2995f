import { signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/**
 * Production without MFA_ENCRYPTION_KEY starts (an upgrade must not take the service down) and
 * says why authenticator-app MFA is unavailable: 503 naming the variable, through both doors, and
 * a warning at start. Passwords and passkeys keep working; nothing is sealed with a key nobody kept.
 */
describe('production without MFA_ENCRYPTION_KEY', () => {
  // An empty value is read as unset.
  const ctx = useTestServer({ NODE_ENV: 'production', MFA_ENCRYPTION_KEY: '' });

  it('starts, warns once, and still signs users in with their password', async () => {
    expect(ctx.server.config.env).toBe('production');
    expect(ctx.server.logs.filter((line) => String(line.message).startsWith('MFA_ENCRYPTION_KEY is not set'))).toHaveLength(1);
    const user = await signedIn(ctx.server, ctx.api);
    expect((await ctx.api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
  });

  it('answers 503 naming the variable to TOTP enrolment, on REST and GraphQL, and stores nothing', async () => {
    const user = await signedIn(ctx.server, ctx.api);
    const rest = await ctx.api.post('/v1/auth/mfa/totp/setup', {}, { token: user.token });
    expect(rest.status).toBe(503);
    expect(rest.body.detail).toMatch(/MFA_ENCRYPTION_KEY is not set/);
    const graphql = await ctx.api.graphql('mutation { setupTotp { secret } }', {}, user.token);
    expect(graphql.errors?.[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    const stored: unknown[] = await ctx.server.orm.em.fork().getConnection().execute(`select 1 from mfa_totp where user_id = '${user.id}'`);
    expect(stored).toEqual([]);
  });

  it('keeps passkeys, which need no key', async () => {
    const user = await signedIn(ctx.server, ctx.api);
    const options = await ctx.api.post('/v1/auth/passkeys/register/options', {}, { token: user.token });
    expect(options.status).toBe(200);
    expect(options.body.challenge).toEqual(expect.any(String));
  });
});
