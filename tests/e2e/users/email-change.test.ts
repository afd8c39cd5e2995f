import { UserRole } from '../../../src/users/user-role';
import { signedIn, userInput } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

const UPDATE = 'mutation ($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { email emailVerified } }';

/** A new address was never verified: changing it resets emailVerified, whichever door it came by. */
describe('changing the e-mail address', () => {
  const ctx = useTestServer({}, { admin: true });

  async function verifiedUser() {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { emailVerified: true });
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body.emailVerified).toBe(true);
    return user;
  }

  it('PATCH by the owner resets emailVerified', async () => {
    const user = await verifiedUser();
    const patched = await ctx.api.patch(`/v1/users/${user.id}`, { email: `new_${user.email}` }, { token: user.token });
    expect(patched.body).toMatchObject({ email: `new_${user.email}`, emailVerified: false });
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body.emailVerified).toBe(false);
  });

  it('PUT by an admin resets it too, unless the same request sets emailVerified', async () => {
    const user = await verifiedUser();
    const body = { username: user.username, firstName: 'A', lastName: 'B' };
    const replaced = await ctx.api.put(`/v1/users/${user.id}`, { ...body, email: `put_${user.email}` }, { token: ctx.admin.token });
    expect(replaced.body.emailVerified).toBe(false);
    const vouched = await ctx.api.put(`/v1/users/${user.id}`, { ...body, email: `put2_${user.email}`, emailVerified: true }, { token: ctx.admin.token });
    expect(vouched.body).toMatchObject({ email: `put2_${user.email}`, emailVerified: true });
  });

  it('GraphQL updateUser resets it', async () => {
    const user = await verifiedUser();
    const result = await ctx.api.graphql(UPDATE, { id: user.id, input: { email: `gql_${user.email}` } }, user.token);
    expect(result.data?.updateUser).toEqual({ email: `gql_${user.email}`, emailVerified: false });
  });

  it('another spelling of the same mailbox (letter case) keeps it verified, and so do other changes', async () => {
    const user = await verifiedUser();
    const recased = await ctx.api.patch(`/v1/users/${user.id}`, { email: user.email.toUpperCase(), lastName: 'Same' }, { token: user.token });
    expect(recased.body).toMatchObject({ email: user.email, emailVerified: true });
    expect((await ctx.api.patch(`/v1/users/${user.id}`, { firstName: 'Other' }, { token: user.token })).body.emailVerified).toBe(true);
  });

  it('is audited as a change of emailVerified', async () => {
    const user = await verifiedUser();
    await ctx.api.patch(`/v1/users/${user.id}`, { email: `audit_${user.email}` }, { token: user.token });
    const audit = await ctx.api.get(`/v1/users/${user.id}/audit-logs`, { token: ctx.admin.token });
    const updated = audit.body.data.find((entry: { action: string; entityId: string }) => entry.action === 'user.updated' && entry.entityId === user.id);
    expect(updated).toMatchObject({ oldValues: { email: user.email, emailVerified: true }, newValues: { email: `audit_${user.email}`, emailVerified: false } });
    expect(userInput).toBeDefined();
  });
});
