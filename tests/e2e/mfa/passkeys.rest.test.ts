import { randomBytes, randomUUID } from 'node:crypto';
import { useTestServer } from '../../support/use-test-server';
import { signedIn, type SignedIn } from '../../support/factories';
import type { TestServer } from '../../support/test-server';

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/**
 * A passkey row as a registration leaves it. The public key is junk: these tests never get as far
 * as a signature (the browser suite, passkey-pages.test.ts, does the real ceremonies).
 */
async function insertPasskey(server: TestServer, userId: string, name = 'Laptop'): Promise<{ id: string; credentialId: string }> {
  const id = randomUUID();
  const credentialId = b64url(randomBytes(16));
  await server.orm.em.getConnection().execute(
    `insert into webauthn_credentials (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
     values (?, ?, ?, ?, 0, null, 'singleDevice', false, ?, now(), null)`,
    [id, userId, credentialId, randomBytes(77), name],
  );
  return { id, credentialId };
}

/** A well-formed assertion for a credential id, signed by nobody, answering `challenge`. */
function assertion(credentialId: string, challenge: string, origin = 'http://localhost:8000') {
  const clientDataJSON = b64url(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
  return {
    id: credentialId,
    rawId: credentialId,
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON, authenticatorData: b64url(randomBytes(37)), signature: b64url(randomBytes(64)) },
  };
}

async function auditRows(server: TestServer, action: string): Promise<{ user_id: string | null; new_values: Record<string, unknown> | null }[]> {
  return server.orm.em.getConnection().execute(`select user_id, new_values from audit_logs where action = ? order by created_at`, [action]);
}

describe('REST /v1/auth/passkeys: who may do what, and what is refused', () => {
  const handle = useTestServer();
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    alice = await signedIn(handle.server, handle.api);
    bob = await signedIn(handle.server, handle.api);
  });

  it('refuses every passkey-management route without a token (401), and answers the sign-in routes anonymously', async () => {
    const { api } = handle;
    const id = randomUUID();
    const refused = await Promise.all([
      api.post('/v1/auth/passkeys/register/options'),
      api.post('/v1/auth/passkeys/register/verify', { response: {} }),
      api.get('/v1/auth/passkeys'),
      api.patch(`/v1/auth/passkeys/${id}`, { name: 'x' }),
      api.delete(`/v1/auth/passkeys/${id}`),
    ]);
    expect(refused.map((response) => response.status)).toEqual([401, 401, 401, 401, 401]);
    const options = await api.post('/v1/auth/passkeys/login/options');
    expect(options.status).toBe(200);
    expect(options.headers.get('cache-control')).toBe('no-store');
    expect(options.body).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.body.allowCredentials ?? []).toEqual([]);
  });

  it('gives registration options for a resident, user-verified passkey of the caller, excluding the ones they have', async () => {
    const existing = await insertPasskey(handle.server, alice.id);
    const options = await handle.api.post('/v1/auth/passkeys/register/options', undefined, { token: alice.token });
    expect(options.status).toBe(200);
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(Buffer.from(options.body.user.id, 'base64url').toString('utf8')).toBe(alice.id);
    expect(options.body.excludeCredentials.map((credential: { id: string }) => credential.id)).toEqual([existing.credentialId]);
  });

  it("lists only the caller's passkeys, and never someone else's", async () => {
    const bobs = await insertPasskey(handle.server, bob.id, "Bob's key");
    const list = await handle.api.get('/v1/auth/passkeys', { token: bob.token });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([{ id: bobs.id, name: "Bob's key", deviceType: 'singleDevice', backedUp: false, createdAt: expect.any(String), lastUsedAt: null }]);
    expect(JSON.stringify(list.body)).not.toMatch(/publicKey|credentialId|counter/);
    const alices = await handle.api.get('/v1/auth/passkeys', { token: alice.token });
    expect(alices.body.data.map((passkey: { id: string }) => passkey.id)).not.toContain(bobs.id);
  });

  it("answers 404 to renaming or deleting someone else's passkey, and leaves it as it was", async () => {
    const bobs = await insertPasskey(handle.server, bob.id, 'Keep me');
    expect((await handle.api.patch(`/v1/auth/passkeys/${bobs.id}`, { name: 'Mine now' }, { token: alice.token })).status).toBe(404);
    expect((await handle.api.delete(`/v1/auth/passkeys/${bobs.id}`, { token: alice.token })).status).toBe(404);
    expect((await handle.api.delete(`/v1/auth/passkeys/${randomUUID()}`, { token: alice.token })).status).toBe(404);
    const list = await handle.api.get('/v1/auth/passkeys', { token: bob.token });
    expect(list.body.data.find((passkey: { id: string }) => passkey.id === bobs.id)).toMatchObject({ name: 'Keep me' });
  });

  it('renames and deletes the caller’s own passkey, audited, and refuses bad names and ids', async () => {
    const own = await insertPasskey(handle.server, alice.id, 'Old');
    const { api } = handle;
    expect((await api.patch(`/v1/auth/passkeys/${own.id}`, { name: '   ' }, { token: alice.token })).status).toBe(422);
    expect((await api.patch(`/v1/auth/passkeys/${own.id}`, { name: 'x'.repeat(65) }, { token: alice.token })).status).toBe(422);
    expect((await api.patch('/v1/auth/passkeys/not-a-uuid', { name: 'Fine' }, { token: alice.token })).body).toMatchObject({ errors: [{ field: 'id' }] });
    const renamed = await api.patch(`/v1/auth/passkeys/${own.id}`, { name: '  Work laptop ' }, { token: alice.token });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: own.id, name: 'Work laptop' });
    expect((await api.delete(`/v1/auth/passkeys/${own.id}`, { token: alice.token })).status).toBe(204);
    expect((await api.delete(`/v1/auth/passkeys/${own.id}`, { token: alice.token })).status).toBe(404);
    expect(await auditRows(handle.server, 'auth.passkey_renamed')).toEqual([expect.objectContaining({ user_id: alice.id, new_values: { passkeyId: own.id, name: 'Work laptop' } })]);
    expect((await auditRows(handle.server, 'auth.passkey_removed')).map((row) => row.user_id)).toEqual([alice.id]);
  });

  it('refuses a registration answer to a challenge it never issued (422, nothing stored)', async () => {
    const before = await handle.api.get('/v1/auth/passkeys', { token: bob.token });
    const forged = { ...assertion(b64url(randomBytes(16)), b64url(randomBytes(32))), response: { clientDataJSON: b64url(JSON.stringify({ type: 'webauthn.create', challenge: b64url(randomBytes(32)), origin: 'http://localhost:8000' })), attestationObject: b64url(randomBytes(64)) } };
    const answer = await handle.api.post('/v1/auth/passkeys/register/verify', { response: forged }, { token: bob.token });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ field: 'response', message: expect.stringMatching(/challenge/) }]);
    expect((await handle.api.post('/v1/auth/passkeys/register/verify', { response: { id: 'x' } }, { token: bob.token })).status).toBe(422);
    expect((await handle.api.get('/v1/auth/passkeys', { token: bob.token })).body.data).toEqual(before.body.data);
  });

  it('refuses a sign-in answering an unknown, spent or registration challenge, with one 401, audited as a failed passkey login', async () => {
    const { api, server } = handle;
    const own = await insertPasskey(server, alice.id, 'Sign-in key');
    const failedBefore = (await auditRows(server, 'auth.login_failed')).length;

    const unknown = await api.post('/v1/auth/passkeys/login/verify', { response: assertion(own.credentialId, b64url(randomBytes(32))) });
    expect(unknown.status).toBe(401);
    expect(unknown.body.accessToken).toBeUndefined();

    // A real challenge, but one made for registering a passkey: not for signing in.
    const registration = await api.post('/v1/auth/passkeys/register/options', undefined, { token: alice.token });
    expect((await api.post('/v1/auth/passkeys/login/verify', { response: assertion(own.credentialId, registration.body.challenge) })).status).toBe(401);

    // A sign-in challenge, spent by a failed attempt: a second answer to it finds nothing to answer.
    const options = await api.post('/v1/auth/passkeys/login/options');
    const forged = assertion(own.credentialId, options.body.challenge);
    const first = await api.post('/v1/auth/passkeys/login/verify', { response: forged });
    const again = await api.post('/v1/auth/passkeys/login/verify', { response: forged });
    expect([first.status, again.status]).toEqual([401, 401]);
    expect(again.body.detail).toMatch(/challenge/);

    const unknownCredential = await api.post('/v1/auth/passkeys/login/verify', { response: assertion(b64url(randomBytes(16)), options.body.challenge) });
    expect(unknownCredential.status).toBe(401);
    expect(unknownCredential.body.detail).toBe('The passkey could not be verified.');

    const failed = (await auditRows(server, 'auth.login_failed')).slice(failedBefore);
    expect(failed).toHaveLength(5);
    expect(failed.slice(0, 4).every((row) => row.user_id === alice.id && row.new_values?.method === 'passkey')).toBe(true);
    expect(failed[4]).toMatchObject({ user_id: null, new_values: { method: 'passkey', reason: 'unknown-credential' } });
    expect(await auditRows(server, 'auth.login')).toHaveLength(2);
  });

  it('refuses a sign-in body that is not a credential (422) and a non-JSON body (400)', async () => {
    expect((await handle.api.post('/v1/auth/passkeys/login/verify', { response: 'nope' })).status).toBe(422);
    expect((await handle.api.request('POST', '/v1/auth/passkeys/login/verify', { rawBody: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
  });

  it('GraphQL: lists, renames and deletes the caller’s passkeys, refuses someone else’s and anonymous callers, audited alike', async () => {
    const { api, server } = handle;
    const own = await insertPasskey(server, bob.id, 'Phone');
    const alices = await insertPasskey(server, alice.id, 'Not yours');
    const list = await api.graphql('query { passkeys { id name deviceType backedUp createdAt lastUsedAt } }', {}, bob.token);
    expect(list.errors).toBeUndefined();
    expect(list.data.passkeys).toContainEqual({ id: own.id, name: 'Phone', deviceType: 'singleDevice', backedUp: false, createdAt: expect.any(String), lastUsedAt: null });
    expect(list.data.passkeys.map((passkey: { id: string }) => passkey.id)).not.toContain(alices.id);

    const rename = 'mutation ($id: UUID!, $name: String!) { renamePasskey(id: $id, name: $name) { id name } }';
    expect((await api.graphql(rename, { id: own.id, name: 'Old phone' }, bob.token)).data).toEqual({ renamePasskey: { id: own.id, name: 'Old phone' } });
    expect((await api.graphql(rename, { id: alices.id, name: 'Mine' }, bob.token)).errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await api.graphql(rename, { id: own.id, name: ' ' }, bob.token)).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');

    const remove = 'mutation ($id: UUID!) { deletePasskey(id: $id) }';
    expect((await api.graphql(remove, { id: alices.id }, bob.token)).errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await api.graphql(remove, { id: own.id })).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await api.graphql('query { passkeys { id } }')).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await api.graphql(remove, { id: own.id }, bob.token)).data).toEqual({ deletePasskey: true });
    expect((await api.get('/v1/auth/passkeys', { token: alice.token })).body.data.map((passkey: { id: string }) => passkey.id)).toContain(alices.id);
    expect((await auditRows(server, 'auth.passkey_renamed')).at(-1)).toMatchObject({ user_id: bob.id, new_values: { passkeyId: own.id, name: 'Old phone' } });
    expect((await auditRows(server, 'auth.passkey_removed')).at(-1)).toMatchObject({ user_id: bob.id });
  });

  it('spends the sign-in routes from the auth bucket and describes every passkey route in OpenAPI', async () => {
    const document = (await handle.api.get('/openapi.json')).body;
    for (const path of ['/v1/auth/passkeys/login/options', '/v1/auth/passkeys/login/verify']) {
      expect(document.paths[path].post).toMatchObject({ 'x-required-role': 'anyone', 'x-rate-limit-bucket': { anonymous: 'auth', signedIn: 'auth' }, security: [] });
    }
    expect(document.paths['/v1/auth/passkeys/{id}'].delete).toMatchObject({ 'x-required-role': 'user', 'x-audit-actions': ['auth.passkey_removed'] });
  });
});
