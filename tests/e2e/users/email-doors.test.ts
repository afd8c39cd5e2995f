import { sql } from '../../support/auth';
import { DEFAULT_PASSWORD, userInput } from '../../support/factories';
import { expectProblem } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const CREATE = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id email } }';
const LOGIN = 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken user { id email } } }';

/** One e-mail rule for both doors, and every stored address served by both. */
describe('e-mail addresses through REST and GraphQL', () => {
  const ctx = useTestServer({}, { admin: true });

  async function signUpRest(email: string) {
    return ctx.api.post('/v1/users', userInput({ email }));
  }

  it('an internationalised address signed up through REST is served by GraphQL: me, users, login', async () => {
    const input = userInput({ email: 'josé.rest@example.com' });
    const created = await ctx.api.post('/v1/users', input);
    expect(created.status).toBe(201);
    expect(created.body.email).toBe('josé.rest@example.com');

    const login = await ctx.api.graphql(LOGIN, { u: input.email, p: DEFAULT_PASSWORD });
    expect(login.errors).toBeUndefined();
    expect(login.data.login.user.email).toBe('josé.rest@example.com');
    const me = await ctx.api.graphql('{ me { email } }', {}, login.data.login.accessToken);
    expect(me).toMatchObject({ data: { me: { email: 'josé.rest@example.com' } } });
    expect(me.errors).toBeUndefined();
    const users = await ctx.api.graphql('{ users(first: 20) { edges { node { email } } } }', {}, ctx.admin.token);
    expect(users.errors).toBeUndefined();
    expect(users.data.users.edges.map((edge: { node: { email: string } }) => edge.node.email)).toContain('josé.rest@example.com');
  });

  it('GraphQL accepts what REST accepts', async () => {
    const created = await ctx.api.graphql(CREATE, { input: userInput({ email: 'josé.gql@example.com' }) });
    expect(created.errors).toBeUndefined();
    expect(created.data.createUser.email).toBe('josé.gql@example.com');
  });

  it('both doors refuse a quoted local part with the same field error', async () => {
    const rest = expectProblem(await signUpRest('"q"@example.com'), 422);
    const graphql = await ctx.api.graphql(CREATE, { input: userInput({ email: '"q"@example.com' }) });
    expect(rest.errors).toEqual([{ field: 'email', message: 'email must not have a quoted local part' }]);
    expect(graphql.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'email', message: 'email must not have a quoted local part' }] });
  });

  it('look-alike spellings of an address are one account: refused or in conflict, through both doors', async () => {
    expect((await signUpRest('josé.twin@example.com')).status).toBe(201);
    const spellings = {
      decomposed: 'jose\u0301.twin@example.com',
      fullWidth: '\uff4aosé.twin@example.com',
      upperCase: 'JOSÉ.TWIN@EXAMPLE.COM',
      cyrillicO: 'j\u043esé.twin@example.com',
      zeroWidthJoiner: 'jo\u200dsé.twin@example.com',
      punycodeDomain: 'josé.twin@xn--exmple-cua.com',
    };
    const outcomes: Record<string, [number, string | undefined]> = {};
    for (const [name, email] of Object.entries(spellings)) {
      const rest = await signUpRest(email);
      const graphql = await ctx.api.graphql(CREATE, { input: userInput({ email }) });
      outcomes[name] = [rest.status, graphql.errors?.[0].extensions.code];
    }
    expect(outcomes).toEqual({
      decomposed: [409, 'CONFLICT'],
      fullWidth: [409, 'CONFLICT'],
      upperCase: [409, 'CONFLICT'],
      cyrillicO: [422, 'BAD_USER_INPUT'],
      zeroWidthJoiner: [422, 'BAD_USER_INPUT'],
      // Another domain (exämple.com), so another mailbox: REST takes it, GraphQL then finds it taken.
      punycodeDomain: [201, 'CONFLICT'],
    });
    const rows = await sql(ctx.server, "select email from users where email like '%twin@%'");
    expect(rows.map((row) => row.email).sort()).toEqual(['josé.twin@example.com', 'josé.twin@xn--exmple-cua.com']);
  });

  it('stores the NFC form, and logs in with any spelling of the address', async () => {
    const input = userInput({ email: 'rene\u0301.login@bu\u0308cher.de' });
    expect((await ctx.api.post('/v1/users', input)).status).toBe(201);
    const [row] = await sql(ctx.server, 'select email from users where username = ?', [input.username]);
    expect(row.email).toBe('ren\u00e9.login@b\u00fccher.de');
    for (const spelling of ['RENÉ.LOGIN@BÜCHER.DE', 'rené.login@xn--bcher-kva.de', '\uff52ené.login@bücher.de']) {
      expect({ spelling, status: (await ctx.api.post('/v1/auth/login', { username: spelling, password: DEFAULT_PASSWORD })).status }).toEqual({ spelling, status: 200 });
    }
  });

  it('changing the e-mail to a look-alike of another account is a conflict', async () => {
    expect((await signUpRest('maría.taken@example.com')).status).toBe(201);
    const other = await ctx.api.post('/v1/users', userInput());
    const patched = await ctx.api.patch(`/v1/users/${other.body.id}`, { email: 'MARI\u0301A.TAKEN@example.com' }, { token: ctx.admin.token });
    expect(expectProblem(patched, 409).field).toBe('email');
  });

  it('a stored address that breaks today’s rule is still served to everyone', async () => {
    const input = userInput();
    const created = await ctx.api.post('/v1/users', input);
    // As a row written before the rule (or by hand) would be.
    await sql(ctx.server, `update users set email = '"legacy q"@example.com' where id = ?`, [created.body.id]);
    await ctx.server.services.userCache.userChanged(created.body.id);
    const login = await ctx.api.graphql(LOGIN, { u: input.username, p: DEFAULT_PASSWORD });
    expect(login.errors).toBeUndefined();
    expect(login.data.login.user.email).toBe('"legacy q"@example.com');
    const me = await ctx.api.graphql('{ me { email } }', {}, login.data.login.accessToken);
    expect(me.errors).toBeUndefined();
    const users = await ctx.api.graphql('{ users(first: 100) { edges { node { id email } } } }', {}, ctx.admin.token);
    expect(users.errors).toBeUndefined();
    expect((await ctx.api.get(`/v1/users/${created.body.id}`, { token: ctx.admin.token })).body.email).toBe('"legacy q"@example.com');
  });
});
