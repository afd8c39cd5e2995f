import { UserRole } from '../../../src/users/user-role';
import { sql } from '../../support/auth';
import { signedIn, type SignedIn } from '../../support/factories';
import { expectProblem } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const RUNS = Number(process.env.LAST_ADMIN_RUNS ?? 12);

/**
 * The service must always keep an active admin. Each database below starts with exactly the admins
 * a test signs in, so "the last admin" is real: the test server makes none of its own.
 */
describe('the last active admin', () => {
  const ctx = useTestServer({ DB_POOL_MAX: '10' });

  async function activeAdmins(): Promise<number> {
    const [row] = await sql<{ count: string }>(ctx.server, "select count(*) from users where role = 'admin' and is_active and deleted_at is null");
    return Number(row.count);
  }

  /** Demotes, deactivates or deletes every admin but the one given, so it is the last. */
  async function onlyAdmin(): Promise<SignedIn> {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    await sql(ctx.server, "update users set role = 'user' where role = 'admin' and id <> ?", [admin.id]);
    await ctx.server.services.userCache.userChanged(admin.id);
    return admin;
  }

  it('cannot delete, deactivate or demote itself or be removed by a moderator: 409 with a clear message', async () => {
    const admin = await onlyAdmin();
    const deleted = expectProblem(await ctx.api.delete(`/v1/users/${admin.id}`, { token: admin.token }), 409);
    expect(deleted.detail).toBe('This is the last active admin: it cannot be deleted, deactivated or demoted. Make another user an admin first.');
    const graphql = await ctx.api.graphql('mutation ($id: UUID!) { deleteUser(id: $id) }', { id: admin.id }, admin.token);
    expect(graphql.errors?.[0].extensions.code).toBe('CONFLICT');
    expect(await activeAdmins()).toBe(1);
  });

  it('one admin of two may remove the other, and then not the last one', async () => {
    await onlyAdmin();
    const [a, b] = [await signedIn(ctx.server, ctx.api, UserRole.ADMIN), await signedIn(ctx.server, ctx.api, UserRole.ADMIN)];
    await sql(ctx.server, "update users set role = 'user' where role = 'admin' and id not in (?, ?)", [a.id, b.id]);
    expect((await ctx.api.patch(`/v1/users/${b.id}`, { role: 'moderator' }, { token: a.token })).status).toBe(200);
    // a is now the last: b (a moderator) cannot touch it, and a cannot remove itself.
    expect((await ctx.api.delete(`/v1/users/${a.id}`, { token: a.token })).status).toBe(409);
    expect(await activeAdmins()).toBe(1);
  });

  const removals: Record<string, (actor: SignedIn, target: SignedIn) => Promise<number>> = {
    demote: async (actor, target) => (await ctx.api.patch(`/v1/users/${target.id}`, { role: 'user' }, { token: actor.token })).status,
    deactivate: async (actor, target) => (await ctx.api.patch(`/v1/users/${target.id}`, { isActive: false }, { token: actor.token })).status,
    delete: async (actor, target) => (await ctx.api.delete(`/v1/users/${target.id}`, { token: actor.token })).status,
  };

  it.each(Object.keys(removals))('two last admins who %s each other at the same moment: the database lets one through, never both', async (kind) => {
    const remove = removals[kind];
    const outcomes: string[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      await onlyAdmin();
      const a = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const b = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      await sql(ctx.server, "update users set role = 'user' where role = 'admin' and id not in (?, ?)", [a.id, b.id]);
      const statuses = await Promise.all([remove(a, b), remove(b, a)]);
      const succeeded = statuses.filter((status) => status === 200 || status === 204).length;
      expect({ run, statuses, succeeded }).toEqual({ run, statuses, succeeded: 1 });
      // The loser is refused by the guard (409) or, when it came second, finds itself no admin any more.
      expect(statuses.filter((status) => status !== 200 && status !== 204).every((status) => [409, 401, 403, 404].includes(status))).toBe(true);
      expect(await activeAdmins()).toBe(1);
      outcomes.push(statuses.join('/'));
    }
    expect(outcomes).toHaveLength(RUNS);
  });
});
