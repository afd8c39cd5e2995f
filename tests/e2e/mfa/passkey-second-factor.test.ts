import { decodeToken } from '../../support/auth';
import { login, seedUser, type SeededUser } from '../../support/factories';
import { SoftAuthenticator } from '../../support/soft-authenticator';
import { useTestServer } from '../../support/use-test-server';

/**
 * A passkey as the second factor of a password login, and as a sign-in of its own, with an
 * authenticator in software: the server's real WebAuthn verification runs on every assertion.
 */
describe('a passkey as the second factor', () => {
  const ctx = useTestServer({ LOGIN_MAX_FAILURES_PER_IP: '3' });

  async function withPasskey(): Promise<SeededUser & { key: SoftAuthenticator }> {
    const user = await seedUser(ctx.server);
    const key = new SoftAuthenticator();
    await key.install(ctx.server, user.id);
    return { ...user, key };
  }

  const passwordStep = async (user: SeededUser) => (await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).body;

  it('a password login of an account whose only factor is a passkey finishes with it: amr pwd + hwk', async () => {
    const user = await withPasskey();
    const challenge = await passwordStep(user);
    expect(challenge).toMatchObject({ mfaRequired: true, methods: ['webauthn'] });
    const options = await ctx.api.post('/v1/auth/mfa/webauthn/options', { mfaToken: challenge.mfaToken });
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toEqual([expect.objectContaining({ id: user.key.credentialId, type: 'public-key' })]);

    const verified = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: challenge.mfaToken, webauthn: user.key.assert(options.body.challenge) });
    expect(verified.status).toBe(200);
    expect(decodeToken(verified.body.accessToken)).toMatchObject({ sub: user.id, amr: ['pwd', 'hwk'] });
    // The mfaToken worked once.
    expect((await ctx.api.post('/v1/auth/mfa/webauthn/options', { mfaToken: challenge.mfaToken })).status).toBe(401);
  });

  it('refuses an assertion signed by another key, or answering another challenge; the wrong tries count', async () => {
    const user = await withPasskey();
    const impostor = new SoftAuthenticator();
    const { mfaToken } = await passwordStep(user);
    const options = (await ctx.api.post('/v1/auth/mfa/webauthn/options', { mfaToken })).body;
    const forged = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, webauthn: user.key.assert(options.challenge, { signWith: impostor }) });
    expect(forged.status).toBe(401);
    const stale = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, webauthn: user.key.assert(options.challenge) });
    expect(stale.status).toBe(401);
    const fresh = (await ctx.api.post('/v1/auth/mfa/webauthn/options', { mfaToken })).body;
    expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, webauthn: user.key.assert(fresh.challenge) })).status).toBe(200);
    const failures: unknown[] = await ctx.server.orm.em.fork().getConnection().execute(`select 1 from audit_logs where action = 'auth.mfa_failed' and user_id = '${user.id}'`);
    expect(failures).toHaveLength(2);
  });

  it('works through GraphQL: signIn, passkeyMfaOptions, verifyMfa', async () => {
    const user = await withPasskey();
    const signIn = await ctx.api.graphql('mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { ... on MfaChallenge { mfaToken methods } } }', { u: user.username, p: user.password });
    const { mfaToken, methods } = signIn.data?.signIn;
    expect(methods).toEqual(['webauthn']);
    const options = await ctx.api.graphql('mutation($t: String!) { passkeyMfaOptions(input: { mfaToken: $t }) }', { t: mfaToken });
    const verified = await ctx.api.graphql('mutation($t: String!, $w: JSONObject!) { verifyMfa(input: { mfaToken: $t, webauthn: $w }) { accessToken } }', {
      t: mfaToken,
      w: user.key.assert(options.data?.passkeyMfaOptions.challenge),
    });
    expect(verified.errors).toBeUndefined();
    expect(decodeToken(verified.data?.verifyMfa.accessToken).amr).toEqual(['pwd', 'hwk']);
  });

  it('a made-up mfaToken gets no options (401), a missing one a 422', async () => {
    expect((await ctx.api.post('/v1/auth/mfa/webauthn/options', { mfaToken: 'A'.repeat(43) })).status).toBe(401);
    expect((await ctx.api.post('/v1/auth/mfa/webauthn/options', {})).status).toBe(422);
  });

  it('failed passkey sign-ins count toward the lock-out of the account, as wrong passwords do', async () => {
    const user = await withPasskey();
    const impostor = new SoftAuthenticator();
    for (let i = 0; i < 3; i += 1) {
      const options = (await ctx.api.post('/v1/auth/passkeys/login/options', {})).body;
      const refused = await ctx.api.post('/v1/auth/passkeys/login/verify', { response: user.key.assert(options.challenge, { signWith: impostor, userHandle: user.id }) });
      expect(refused.status).toBe(401);
    }
    // Locked out from this IP: the right password is refused, and so is the right passkey.
    expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).status).toBe(429);
    const options = (await ctx.api.post('/v1/auth/passkeys/login/options', {})).body;
    expect((await ctx.api.post('/v1/auth/passkeys/login/verify', { response: user.key.assert(options.challenge, { userHandle: user.id }) })).status).toBe(429);
  });

  it('a passkey alone signs in, user verified: amr hwk', async () => {
    const user = await withPasskey();
    const options = (await ctx.api.post('/v1/auth/passkeys/login/options', {})).body;
    const signedIn = await ctx.api.post('/v1/auth/passkeys/login/verify', { response: user.key.assert(options.challenge, { userHandle: user.id }) });
    expect(signedIn.status).toBe(200);
    expect(decodeToken(signedIn.body.accessToken)).toMatchObject({ sub: user.id, amr: ['hwk'] });
  });
});

describe('passkey ceremonies through GraphQL', () => {
  const ctx = useTestServer();

  it('registers a passkey (options, then the answer), lists it, and signs in with it alone', async () => {
    const user = await seedUser(ctx.server);
    const { token } = await login(ctx.api, user);
    const key = new SoftAuthenticator();
    const options = await ctx.api.graphql('mutation { passkeyRegistrationOptions }', {}, token);
    expect(options.data?.passkeyRegistrationOptions).toMatchObject({ rp: { id: 'localhost' }, authenticatorSelection: { residentKey: 'required' } });
    const registered = await ctx.api.graphql('mutation($r: JSONObject!) { registerPasskey(response: $r, name: "Soft key") { id name } }', { r: key.attest(options.data?.passkeyRegistrationOptions.challenge) }, token);
    expect(registered.errors).toBeUndefined();
    expect(registered.data?.registerPasskey.name).toBe('Soft key');
    expect((await ctx.api.graphql('{ passkeys { name } }', {}, token)).data?.passkeys).toEqual([{ name: 'Soft key' }]);
    // The same answer again: that challenge was spent.
    const replayed = await ctx.api.graphql('mutation($r: JSONObject!) { registerPasskey(response: $r) { id } }', { r: key.attest(options.data?.passkeyRegistrationOptions.challenge) }, token);
    expect(replayed.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');

    const loginOptions = await ctx.api.graphql('mutation { passkeyLoginOptions }');
    const signedIn = await ctx.api.graphql('mutation($r: JSONObject!) { signInWithPasskey(response: $r) { accessToken } }', { r: key.assert(loginOptions.data?.passkeyLoginOptions.challenge, { userHandle: user.id }) });
    expect(signedIn.errors).toBeUndefined();
    expect(decodeToken(signedIn.data?.signInWithPasskey.accessToken)).toMatchObject({ sub: user.id, amr: ['hwk'] });
  });

  it('refuses registration without a token, and a forged sign-in with one UNAUTHENTICATED', async () => {
    expect((await ctx.api.graphql('mutation { passkeyRegistrationOptions }')).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const user = await seedUser(ctx.server);
    const key = new SoftAuthenticator();
    await key.install(ctx.server, user.id);
    const loginOptions = await ctx.api.graphql('mutation { passkeyLoginOptions }');
    const forged = await ctx.api.graphql('mutation($r: JSONObject!) { signInWithPasskey(response: $r) { accessToken } }', {
      r: key.assert(loginOptions.data?.passkeyLoginOptions.challenge, { userHandle: user.id, signWith: new SoftAuthenticator() }),
    });
    expect(forged.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
