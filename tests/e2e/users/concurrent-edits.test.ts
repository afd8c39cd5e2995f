import { UserRole } from '../../../src/users/user-role';
import { sql } from '../../support/auth';
import { signedIn } from '../../support/factories';
import { expectProblem } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const UPDATE = 'mutation ($id: UUID!, $input: UpdateUserInput!, $v: Int) { updateUser(id: $id, input: $input, expectedVersion: $v) { lastName version } }';
const DELETE = 'mutation ($id: UUID!, $v: Int) { deleteUser(id: $id, expectedVersion: $v) }';

describe('concurrent edits: a serial audit history, and optimistic concurrency for clients', () => {
  const ctx = useTestServer({ DB_POOL_MAX: '10' }, { admin: true });

  it('50 concurrent PATCHes leave audit rows that chain old to new, the newest matching the stored row', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const original = (await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body.lastName;
    const names = Array.from({ length: 50 }, (_, i) => `Concurrent${i}`);
    const answers = await Promise.all(names.map((lastName) => ctx.api.patch(`/v1/users/${user.id}`, { lastName }, { token: ctx.admin.token })));
    expect(answers.map((answer) => answer.status)).toEqual(names.map(() => 200));

    const rows = await sql<{ old_values: { lastName: string }; new_values: { lastName: string } }>(
      ctx.server,
      "select old_values, new_values from audit_logs where entity_id = ? and action = 'user.updated'",
      [user.id],
    );
    expect(rows).toHaveLength(50);
    // Follow the links from the original value: a serial history visits every row exactly once.
    const byOld = new Map(rows.map((row) => [row.old_values.lastName, row.new_values.lastName]));
    expect(byOld.size).toBe(50);
    let value = original;
    const visited: string[] = [];
    while (byOld.has(value) && visited.length <= 50) {
      value = byOld.get(value) as string;
      visited.push(value);
    }
    expect(visited.sort()).toEqual([...names].sort());
    const stored = (await ctx.api.get(`/v1/users/${user.id}`, { token: ctx.admin.token })).body;
    expect(stored.lastName).toBe(value);
    // Every change moved the version once: 50 answers, 50 different versions, the last one stored.
    const versions = answers.map((answer) => answer.body.version as number);
    expect(new Set(versions).size).toBe(50);
    expect(stored.version).toBe(Math.max(...versions));
  });

  it('REST: ETag on reads and writes, If-Match on PUT/PATCH/DELETE, 412 on a stale version', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const read = await ctx.api.get(`/v1/users/${user.id}`, { token: user.token });
    expect(read.headers.get('etag')).toBe(`"${read.body.version}"`);
    const etag = read.headers.get('etag') as string;

    const patched = await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'First' }, { token: user.token, headers: { 'if-match': etag } });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(read.body.version + 1);
    expect(patched.headers.get('etag')).toBe(`"${patched.body.version}"`);

    const stale = await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Lost' }, { token: user.token, headers: { 'if-match': etag } });
    expect(expectProblem(stale, 412).title).toBe('Precondition failed');
    const body = { username: user.username, email: user.email, firstName: 'A', lastName: 'Lost' };
    expectProblem(await ctx.api.put(`/v1/users/${user.id}`, body, { token: user.token, headers: { 'if-match': etag } }), 412);
    expectProblem(await ctx.api.delete(`/v1/users/${user.id}`, { token: user.token, headers: { 'if-match': etag } }), 412);
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body.lastName).toBe('First');

    // A list of tags matches any of them; * matches any version; weak tags never match (strong comparison).
    const current = patched.headers.get('etag') as string;
    expect((await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Second' }, { token: user.token, headers: { 'if-match': `"999", ${current}` } })).status).toBe(200);
    expect((await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Third' }, { token: user.token, headers: { 'if-match': '*' } })).status).toBe(200);
    const latest = (await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).headers.get('etag') as string;
    expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Weak' }, { token: user.token, headers: { 'if-match': `W/${latest}` } }), 412);
    expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Bad' }, { token: user.token, headers: { 'if-match': 'not a tag' } }), 400);
    // Without If-Match the write goes through: by default never 428.
    expect((await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Free' }, { token: user.token })).status).toBe(200);
    expect((await ctx.api.delete(`/v1/users/${user.id}`, { token: user.token, headers: { 'if-match': (await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).headers.get('etag') as string } })).status).toBe(204);
  });

  it('a stale If-Match on someone you may not see is still a 404, not a 412', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const other = await signedIn(ctx.server, ctx.api, UserRole.USER);
    expectProblem(await ctx.api.patch(`/v1/users/${other.id}`, { lastName: 'X' }, { token: user.token, headers: { 'if-match': '"999"' } }), 404);
  });

  it('GraphQL: version on User, expectedVersion on updateUser and deleteUser with its own error code', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const { version } = (await ctx.api.graphql('{ me { version } }', {}, user.token)).data.me;
    const updated = await ctx.api.graphql(UPDATE, { id: user.id, input: { lastName: 'Gql' }, v: version }, user.token);
    expect(updated.data?.updateUser).toEqual({ lastName: 'Gql', version: version + 1 });
    const stale = await ctx.api.graphql(UPDATE, { id: user.id, input: { lastName: 'Lost' }, v: version }, user.token);
    expect(stale.errors?.[0].extensions.code).toBe('PRECONDITION_FAILED');
    expect((await ctx.api.graphql(DELETE, { id: user.id, v: version }, user.token)).errors?.[0].extensions.code).toBe('PRECONDITION_FAILED');
    // By default expectedVersion is optional.
    expect((await ctx.api.graphql(UPDATE, { id: user.id, input: { lastName: 'Free' } }, user.token)).data?.updateUser).toEqual({ lastName: 'Free', version: version + 2 });
    expect((await ctx.api.graphql(DELETE, { id: user.id, v: version + 2 }, user.token)).data?.deleteUser).toBe(true);
  });
});

describe('REQUIRE_IF_MATCH=true: changes to users must name the version they change', () => {
  const ctx = useTestServer({ REQUIRE_IF_MATCH: 'true' });

  const etagOf = async (id: string, token: string) => (await ctx.api.get(`/v1/users/${id}`, { token })).headers.get('etag') as string;

  it('REST: PUT, PATCH and DELETE without If-Match (or with *) are 428 problems and change nothing', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const before = (await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body;
    const body = { username: user.username, email: user.email, firstName: 'A', lastName: 'Unconditional' };
    const missing = expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Unconditional' }, { token: user.token }), 428);
    expect(missing).toMatchObject({ type: '/problems/precondition-required', title: 'Precondition required' });
    expect(missing.detail).toMatch(/If-Match/);
    expectProblem(await ctx.api.put(`/v1/users/${user.id}`, body, { token: user.token }), 428);
    expectProblem(await ctx.api.delete(`/v1/users/${user.id}`, { token: user.token }), 428);
    // * names no version: it would overwrite whatever is there, which is what the setting forbids.
    expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Unconditional' }, { token: user.token, headers: { 'if-match': '*' } }), 428);
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body).toEqual(before);
  });

  it('REST: with the current ETag the change goes through; a stale one is still 412, a hidden user still 404', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const other = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const etag = await etagOf(user.id, user.token);
    expect((await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Conditional' }, { token: user.token, headers: { 'if-match': etag } })).status).toBe(200);
    expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Lost' }, { token: user.token, headers: { 'if-match': etag } }), 412);
    expectProblem(await ctx.api.patch(`/v1/users/${other.id}`, { lastName: 'X' }, { token: user.token }), 404);
    const body = { username: user.username, email: user.email, firstName: 'A', lastName: 'Replaced' };
    expect((await ctx.api.put(`/v1/users/${user.id}`, body, { token: user.token, headers: { 'if-match': await etagOf(user.id, user.token) } })).status).toBe(200);
    expect((await ctx.api.delete(`/v1/users/${user.id}`, { token: user.token, headers: { 'if-match': await etagOf(user.id, user.token) } })).status).toBe(204);
  });

  it('GraphQL: updateUser and deleteUser without expectedVersion answer PRECONDITION_REQUIRED and change nothing', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const { version } = (await ctx.api.graphql('{ me { version } }', {}, user.token)).data.me;
    const unconditional = await ctx.api.graphql(UPDATE, { id: user.id, input: { lastName: 'Unconditional' } }, user.token);
    expect(unconditional.data).toBeNull();
    expect(unconditional.errors?.[0].extensions.code).toBe('PRECONDITION_REQUIRED');
    expect(unconditional.errors?.[0].message).toMatch(/expectedVersion/);
    expect((await ctx.api.graphql(DELETE, { id: user.id }, user.token)).errors?.[0].extensions.code).toBe('PRECONDITION_REQUIRED');
    expect((await ctx.api.graphql('{ me { version lastName } }', {}, user.token)).data.me.version).toBe(version);

    expect((await ctx.api.graphql(UPDATE, { id: user.id, input: { lastName: 'Conditional' }, v: version }, user.token)).data?.updateUser).toEqual({ lastName: 'Conditional', version: version + 1 });
    expect((await ctx.api.graphql(UPDATE, { id: user.id, input: { lastName: 'Lost' }, v: version }, user.token)).errors?.[0].extensions.code).toBe('PRECONDITION_FAILED');
    expect((await ctx.api.graphql(DELETE, { id: user.id, v: version + 1 }, user.token)).data?.deleteUser).toBe(true);
  });
});
