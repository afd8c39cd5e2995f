import { decodeToken, forgeFrom, sql } from '../../support/auth';
import { login, signedIn, type SignedIn } from '../../support/factories';
import { awayFromStepBoundary, totpCode, wrongCode } from '../../support/totp';
import { useTestServer } from '../../support/use-test-server';

const SETUP = 'mutation { setupTotp { secret otpauthUrl qrCodeSvg } }';
const CONFIRM = 'mutation ($code: String!) { confirmTotp(code: $code) { recoveryCodes } }';
const SIGN_IN = `mutation ($u: String!, $p: String!) { signIn(username: $u, password: $p) {
  __typename ... on MfaChallenge { mfaRequired mfaToken methods expiresIn } ... on AuthPayload { accessToken refreshToken } } }`;
const LOGIN = 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }';
const VERIFY = 'mutation ($input: MfaVerifyInput!) { verifyMfa(input: $input) { accessToken refreshToken user { id } } }';
const ME_MFA = '{ me { id mfa { totp passkeys recoveryCodesLeft } } }';

/** The same MFA service as REST, through GraphQL (issue 16). */
describe('MFA through GraphQL', () => {
  const ctx = useTestServer({}, { admin: true });

  async function enrolled(): Promise<SignedIn & { secret: string; recoveryCodes: string[] }> {
    await awayFromStepBoundary();
    const user = await signedIn(ctx.server, ctx.api);
    const setup = await ctx.api.graphql(SETUP, {}, user.token);
    expect(setup.errors).toBeUndefined();
    const secret = setup.data.setupTotp.secret as string;
    const confirm = await ctx.api.graphql(CONFIRM, { code: totpCode(secret, -1) }, user.token);
    expect(confirm.errors).toBeUndefined();
    return { ...user, secret, recoveryCodes: confirm.data.confirmTotp.recoveryCodes };
  }

  const signIn = async (user: { username: string; password: string }) => (await ctx.api.graphql(SIGN_IN, { u: user.username, p: user.password })).data.signIn;

  it('enrols with setupTotp and confirmTotp, and shows it in me { mfa }', async () => {
    await awayFromStepBoundary();
    const user = await signedIn(ctx.server, ctx.api);
    expect((await ctx.api.graphql(ME_MFA, {}, user.token)).data.me.mfa).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    const setup = await ctx.api.graphql(SETUP, {}, user.token);
    expect(setup.data.setupTotp).toMatchObject({ secret: expect.stringMatching(/^[A-Z2-7]+$/), otpauthUrl: expect.stringMatching(/^otpauth:/), qrCodeSvg: expect.stringMatching(/<svg/) });
    const wrong = await ctx.api.graphql(CONFIRM, { code: wrongCode(setup.data.setupTotp.secret) }, user.token);
    expect(wrong.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const confirm = await ctx.api.graphql(CONFIRM, { code: totpCode(setup.data.setupTotp.secret) }, user.token);
    expect(confirm.data.confirmTotp.recoveryCodes).toHaveLength(10);
    expect((await ctx.api.graphql(ME_MFA, {}, user.token)).data.me.mfa).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
  });

  it("shows no one else's factors", async () => {
    const user = await enrolled();
    const seen = await ctx.api.graphql('query ($id: UUID!) { user(id: $id) { id mfa { totp } } }', { id: user.id }, ctx.admin.token);
    expect(seen.data.user).toEqual({ id: user.id, mfa: null });
  });

  it('signIn answers the challenge as a union member, verifyMfa the tokens with amr and auth_time', async () => {
    const user = await enrolled();
    const challenge = await signIn(user);
    expect(challenge).toEqual({ __typename: 'MfaChallenge', mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300 });
    const verified = await ctx.api.graphql(VERIFY, { input: { mfaToken: challenge.mfaToken, code: totpCode(user.secret) } });
    expect(verified.errors).toBeUndefined();
    expect(verified.data.verifyMfa.user.id).toBe(user.id);
    expect(decodeToken(verified.data.verifyMfa.accessToken)).toMatchObject({ amr: ['pwd', 'otp'], auth_time: expect.any(Number) });
    // Replay of the same code, with a fresh challenge, is refused.
    const replay = await ctx.api.graphql(VERIFY, { input: { mfaToken: (await signIn(user)).mfaToken, code: totpCode(user.secret) } });
    expect(replay.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('signIn answers AuthPayload without MFA, and login keeps its shape: tokens, or MFA_REQUIRED with the challenge', async () => {
    const plain = await signedIn(ctx.server, ctx.api);
    expect(await signIn(plain)).toMatchObject({ __typename: 'AuthPayload', accessToken: expect.any(String) });
    expect((await ctx.api.graphql(LOGIN, { u: plain.username, p: plain.password })).data.login.accessToken).toEqual(expect.any(String));

    const user = await enrolled();
    const refused = await ctx.api.graphql(LOGIN, { u: user.username, p: user.password });
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'MFA_REQUIRED', mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300 });
    const finished = await ctx.api.graphql(VERIFY, { input: { mfaToken: refused.errors?.[0].extensions.mfaToken, recoveryCode: user.recoveryCodes[0] } });
    expect(finished.data.verifyMfa.accessToken).toEqual(expect.any(String));
    // A wrong password is still the one answer for every cause.
    expect((await ctx.api.graphql(LOGIN, { u: user.username, p: 'Wrong-passw0rd!' })).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('kills the mfaToken after five wrong codes', async () => {
    const user = await enrolled();
    const { mfaToken } = await signIn(user);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await ctx.api.graphql(VERIFY, { input: { mfaToken, code: wrongCode(user.secret) } })).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const late = await ctx.api.graphql(VERIFY, { input: { mfaToken, code: totpCode(user.secret) } });
    expect(late.errors?.[0].message).toMatch(/sign in again/);
  });

  it('asks a recent sign-in to turn TOTP off or renew recovery codes (REAUTHENTICATION_REQUIRED)', async () => {
    const user = await enrolled();
    const stale = forgeFrom(ctx.server, user.token, { auth_time: Math.floor(Date.now() / 1000) - 600 });
    for (const mutation of ['mutation { disableTotp }', 'mutation { regenerateRecoveryCodes { recoveryCodes } }']) {
      expect((await ctx.api.graphql(mutation, {}, stale)).errors?.[0].extensions.code).toBe('REAUTHENTICATION_REQUIRED');
    }
    const password = await ctx.api.graphql('mutation ($id: UUID!) { changePassword(userId: $id, input: { currentPassword: "Correct-h0rse-battery", newPassword: "Brand-new-passw0rd!" }) }', { id: user.id }, stale);
    expect(password.errors?.[0].extensions.code).toBe('REAUTHENTICATION_REQUIRED');
    expect((await ctx.api.graphql('mutation { regenerateRecoveryCodes { recoveryCodes } }', {}, user.token)).data.regenerateRecoveryCodes.recoveryCodes).toHaveLength(10);
    expect((await ctx.api.graphql('mutation { disableTotp }', {}, user.token)).data.disableTotp).toBe(true);
    expect((await ctx.api.graphql(ME_MFA, {}, user.token)).data.me.mfa).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
  });

  it('lets an admin reset a user, audited, and nobody else', async () => {
    const user = await enrolled();
    const RESET = 'mutation ($id: UUID!) { resetUserMfa(userId: $id) }';
    const other = await signedIn(ctx.server, ctx.api);
    expect((await ctx.api.graphql(RESET, { id: user.id }, other.token)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    const admin = await login(ctx.api, ctx.admin);
    expect((await ctx.api.graphql(RESET, { id: user.id }, admin.token)).data.resetUserMfa).toBe(true);
    const rows = await sql(ctx.server, "select user_id from audit_logs where action = 'mfa.reset' and entity_id = ?", [user.id]);
    expect(rows).toEqual([{ user_id: ctx.admin.id }]);
    expect(await signIn(user)).toMatchObject({ __typename: 'AuthPayload' });
  });
});
