import { UserRole } from '../../../src/users/user-role';
import { signedIn } from '../../support/factories';
import { awayFromStepBoundary, totpCode } from '../../support/totp';
import { useTestServer } from '../../support/use-test-server';

/** MFA_REQUIRED_ROLES=admin: an admin without a second factor may only enrol one (issue 16). */
describe('MFA_REQUIRED_ROLES', () => {
  const ctx = useTestServer({ MFA_REQUIRED_ROLES: 'admin' });

  it('refuses an admin without a second factor everything but enrolment, through both doors, until enrolled', async () => {
    await awayFromStepBoundary();
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    const list = await ctx.api.get('/v1/users', { token: admin.token });
    expect(list.status).toBe(403);
    expect(list.body).toMatchObject({ code: 'MFA_ENROLMENT_REQUIRED', detail: expect.stringMatching(/second factor/) });
    const graphql = await ctx.api.graphql('{ users { totalCount } }', {}, admin.token);
    expect(graphql.errors?.[0].extensions.code).toBe('MFA_ENROLMENT_REQUIRED');

    // Who am I, and enrolment itself, stay open.
    expect((await ctx.api.graphql('{ me { id mfa { totp } } }', {}, admin.token)).data.me.mfa).toEqual({ totp: false });
    const setup = await ctx.api.post('/v1/auth/mfa/totp/setup', undefined, { token: admin.token });
    expect(setup.status).toBe(200);
    expect((await ctx.api.post('/v1/auth/mfa/totp/confirm', { code: totpCode(setup.body.secret) }, { token: admin.token })).status).toBe(200);

    // Enrolled: the same token may act.
    expect((await ctx.api.get('/v1/users', { token: admin.token })).status).toBe(200);
    expect((await ctx.api.graphql('{ users { totalCount } }', {}, admin.token)).errors).toBeUndefined();
  });

  it('leaves other roles alone', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);
    const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
    expect((await ctx.api.get('/v1/users', { token: moderator.token })).status).toBe(200);
  });
});
