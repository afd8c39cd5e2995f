import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.entity';
import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, login, signedIn, type SignedIn, userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { describeWithRedis, REDIS_AVAILABLE } from '../../support/redis-mode';
import { rawRedis } from '../../support/redis-tools';
import { eventually } from '../../support/scratch-database';
import { startTestServer } from '../../support/test-server';
import { useTestServer } from '../../support/use-test-server';

const ROOT = join(__dirname, '..', '..', '..');
const IP = '127.0.0.1';
const PROFILE_KEYS = ['email', 'emailVerified', 'firstName', 'isActive', 'lastName', 'phone', 'role', 'username'];
const AUDIT_FIELDS = 'id userId action entityType entityId oldValues newValues ipAddress createdAt';

interface Row {
  id: string;
  user_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
  ip_address: string;
  created_at: Date;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env, timeout: 240_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const sidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;

describe('audit trail', () => {
  const ctx = useTestServer({}, { admin: true });
  let redis: Redis;

  beforeAll(() => {
    if (REDIS_AVAILABLE) redis = rawRedis();
  });
  afterAll(() => redis?.disconnect());

  async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await ctx.server.orm.em.fork().getConnection().execute(query, params)) as T[];
  }
  const rowsFor = (entityId: string) => sql<Row>('select * from audit_logs where entity_id = ? order by created_at, id', [entityId]);
  const rowsOf = (entityId: string, action: string) => sql<Row>('select * from audit_logs where entity_id = ? and action = ?', [entityId, action]);
  const auditCount = async () => Number((await sql<{ n: string }>('select count(*) as n from audit_logs'))[0].n);
  const streamKey = () => `${ctx.server.config.redisKeyPrefix}audit`;
  /** The relay has published every committed audit row (it does so from the event outbox, after the commit). */
  const streamCaughtUp = () => eventually(async () => expect(await sql('select 1 from event_outbox where stream_pending')).toEqual([]), 10_000);
  // Without Redis there is no stream at all (nothing is published).
  const streamLength = async () => (REDIS_AVAILABLE ? (await streamCaughtUp(), redis.xlen(streamKey())) : 0);

  /** Stream entries as flat objects. */
  async function streamEntries(): Promise<Record<string, string>[]> {
    const entries = await redis.xrange(streamKey(), '-', '+');
    return entries.map(([, fields]) => {
      const entry: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1];
      return entry;
    });
  }

  async function createViaApi(overrides: Record<string, unknown> = {}) {
    const input = userInput(overrides);
    const response = await ctx.api.post('/v1/users', input, { token: ctx.admin.token });
    expect(response.status).toBe(201);
    return { ...response.body, password: input.password as string } as { id: string; username: string; email: string; lastName: string; password: string };
  }

  describe('each action is recorded exactly once, with actor, IP and a diff of changed fields only', () => {
    it('user.created by an admin: the profile in newValues, never the password', async () => {
      const input = userInput({ phone: '+14155550199' });
      const created = await ctx.api.post('/v1/users', input, { token: ctx.admin.token });
      expect(created.status).toBe(201);

      const rows = await rowsFor(created.body.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'user.created', entity_type: 'user', user_id: ctx.admin.id, ip_address: IP, old_values: null });
      expect(Object.keys(rows[0].new_values!).sort()).toEqual(PROFILE_KEYS);
      expect(rows[0].new_values).toEqual({
        username: input.username,
        email: input.email.toLowerCase(),
        firstName: input.firstName,
        lastName: input.lastName,
        phone: '+14155550199',
        role: 'user',
        isActive: true,
        emailVerified: false,
      });
    });

    it('user.created by an anonymous sign-up has no actor', async () => {
      const created = await ctx.api.post('/v1/users', userInput());
      const rows = await rowsFor(created.body.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'user.created', user_id: null, ip_address: IP });
      expect(JSON.stringify(rows[0].new_values)).not.toMatch(/password|argon2/i);
    });

    it('user.updated holds only the fields that changed', async () => {
      const target = await createViaApi({ firstName: 'Same', lastName: 'Before', phone: '+14155550111' });
      const patched = await ctx.api.patch(`/v1/users/${target.id}`, { firstName: 'Same', lastName: 'After', phone: null }, { token: ctx.admin.token });
      expect(patched.status).toBe(200);

      const rows = await rowsOf(target.id, 'user.updated');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        user_id: ctx.admin.id,
        ip_address: IP,
        entity_type: 'user',
        old_values: { lastName: 'Before', phone: '+14155550111' },
        new_values: { lastName: 'After', phone: null },
      });
      expect(Object.keys(rows[0].old_values!).sort()).toEqual(['lastName', 'phone']);
      expect(Object.keys(rows[0].new_values!).sort()).toEqual(['lastName', 'phone']);
    });

    it('a PATCH that changes nothing records nothing', async () => {
      const target = await createViaApi({ lastName: 'Steady' });
      const before = await rowsFor(target.id);
      expect((await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Steady' }, { token: ctx.admin.token })).status).toBe(200);
      expect(await rowsFor(target.id)).toEqual(before);
    });

    it('user.role_changed, user.deactivated and user.activated, each apart from the profile change', async () => {
      const target = await createViaApi();
      expect((await ctx.api.patch(`/v1/users/${target.id}`, { role: 'moderator', lastName: 'Promoted' }, { token: ctx.admin.token })).status).toBe(200);
      expect((await ctx.api.patch(`/v1/users/${target.id}`, { isActive: false }, { token: ctx.admin.token })).status).toBe(200);
      expect((await ctx.api.patch(`/v1/users/${target.id}`, { isActive: true }, { token: ctx.admin.token })).status).toBe(200);

      const rows = await rowsFor(target.id);
      const byAction = (action: string) => rows.filter((row) => row.action === action);
      expect(rows.map((row) => row.action).sort()).toEqual(['user.activated', 'user.created', 'user.deactivated', 'user.role_changed', 'user.updated']);
      expect(byAction('user.role_changed')[0]).toMatchObject({ user_id: ctx.admin.id, ip_address: IP, old_values: { role: 'user' }, new_values: { role: 'moderator' } });
      expect(byAction('user.updated')[0]).toMatchObject({ old_values: { lastName: target.lastName }, new_values: { lastName: 'Promoted' } });
      expect(Object.keys(byAction('user.updated')[0].new_values!)).toEqual(['lastName']);
      expect(byAction('user.deactivated')[0]).toMatchObject({ user_id: ctx.admin.id, old_values: { isActive: true }, new_values: { isActive: false } });
      expect(byAction('user.activated')[0]).toMatchObject({ user_id: ctx.admin.id, old_values: { isActive: false }, new_values: { isActive: true } });
    });

    it('the same through GraphQL: updateUser and deleteUser record the same entries', async () => {
      const target = await createViaApi();
      const updated = await ctx.api.graphql('mutation ($id: UUID!) { updateUser(id: $id, input: { lastName: "ByGraphql", role: MODERATOR }) { id } }', { id: target.id }, ctx.admin.token);
      expect(updated.errors).toBeUndefined();
      expect((await ctx.api.graphql('mutation ($id: UUID!) { deleteUser(id: $id) }', { id: target.id }, ctx.admin.token)).data?.deleteUser).toBe(true);

      const rows = await rowsFor(target.id);
      expect(rows.map((row) => row.action).sort()).toEqual(['user.created', 'user.deleted', 'user.role_changed', 'user.updated']);
      expect(rows.every((row) => row.user_id === ctx.admin.id && row.ip_address === IP)).toBe(true);
    });

    it('user.deleted', async () => {
      const target = await createViaApi();
      expect((await ctx.api.delete(`/v1/users/${target.id}`, { token: ctx.admin.token })).status).toBe(204);
      const rows = await rowsOf(target.id, 'user.deleted');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ entity_type: 'user', user_id: ctx.admin.id, ip_address: IP });
    });

    it('auth.login and auth.logout name the session; the actor is the user', async () => {
      const target = await createViaApi();
      const { token } = await login(ctx.api, target);
      const sessionId = sidOf(token);
      expect((await ctx.api.post('/v1/auth/logout', undefined, { token })).status).toBe(204);

      const rows = await rowsFor(sessionId);
      expect(rows.map((row) => row.action)).toEqual(['auth.login', 'auth.logout']);
      for (const row of rows) expect(row).toMatchObject({ entity_type: 'session', user_id: target.id, ip_address: IP });
    });

    it('logout-all is one auth.logout on the user, with how many sessions ended', async () => {
      const target = await createViaApi();
      await login(ctx.api, target);
      const { token } = await login(ctx.api, target);
      expect((await ctx.api.post('/v1/auth/logout-all', undefined, { token })).body).toEqual({ sessionsEnded: 2 });
      const rows = await rowsOf(target.id, 'auth.logout');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ entity_type: 'user', user_id: target.id, new_values: { sessionsEnded: 2 } });
    });

    it('auth.login_failed: a wrong password names the account; an unknown name names nobody', async () => {
      const target = await createViaApi();
      expect((await ctx.api.post('/v1/auth/login', { username: target.username, password: 'Wrong-passw0rd!' })).status).toBe(401);
      const rows = await rowsOf(target.id, 'auth.login_failed');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ entity_type: 'user', user_id: target.id, ip_address: IP, old_values: null, new_values: null });

      const anonymousBefore = await sql<Row>(`select * from audit_logs where action = 'auth.login_failed' and user_id is null`);
      expect((await ctx.api.post('/v1/auth/login', { username: 'nobody_by_this_name', password: 'Wrong-passw0rd!' })).status).toBe(401);
      const anonymousAfter = await sql<Row>(`select * from audit_logs where action = 'auth.login_failed' and user_id is null`);
      expect(anonymousAfter.length - anonymousBefore.length).toBe(1);
      expect(JSON.stringify(anonymousAfter)).not.toContain('Wrong-passw0rd!');
    });

    it('auth.refresh_reuse_detected once, when a retired refresh token comes back', async () => {
      const target = await createViaApi();
      const first = await login(ctx.api, target);
      const second = (await ctx.api.post('/v1/auth/refresh', { refreshToken: first.refreshToken })).body;
      const third = await ctx.api.post('/v1/auth/refresh', { refreshToken: second.refreshToken });
      expect(third.status).toBe(200);

      expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);
      expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);

      const rows = await rowsOf(sidOf(first.token), 'auth.refresh_reuse_detected');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ entity_type: 'session', user_id: target.id, ip_address: IP });
    });

    it('auth.password_changed by the owner and by an admin, without any secret', async () => {
      const target = await createViaApi();
      const { token } = await login(ctx.api, target);
      expect((await ctx.api.post(`/v1/users/${target.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword: 'Owner-n3w-pass!' }, { token })).status).toBe(204);
      expect((await ctx.api.post(`/v1/users/${target.id}/password`, { newPassword: 'Admin-s3t-pass!' }, { token: ctx.admin.token })).status).toBe(204);

      const rows = await sql<Row>(`select * from audit_logs where entity_id = ? and action = 'auth.password_changed' order by created_at`, [target.id]);
      expect(rows.map((row) => row.user_id)).toEqual([target.id, ctx.admin.id]);
      for (const row of rows) expect(row).toMatchObject({ entity_type: 'user', ip_address: IP, old_values: null, new_values: null });
    });

    it('session.revoked names the session and its owner', async () => {
      const target = await createViaApi();
      const { token } = await login(ctx.api, target);
      const sessionId = sidOf(token);
      expect((await ctx.api.delete(`/v1/users/${target.id}/sessions/${sessionId}`, { token: ctx.admin.token })).status).toBe(204);

      const rows = await rowsOf(sessionId, 'session.revoked');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ entity_type: 'session', user_id: ctx.admin.id, ip_address: IP, old_values: { userId: target.id } });
    });

    it('records the client address the server sees, through a trusted proxy too', async () => {
      const proxied = await startTestServer({ TRUST_PROXY: 'loopback' });
      try {
        const proxiedApi = new ApiClient(proxied.url);
        const created = await proxiedApi.post('/v1/users', userInput(), { headers: { 'x-forwarded-for': '203.0.113.7' } });
        expect(created.status).toBe(201);
        const rows = (await proxied.orm.em.fork().getConnection().execute('select ip_address from audit_logs where entity_id = ?', [created.body.id])) as Row[];
        expect(rows).toEqual([{ ip_address: '203.0.113.7' }]);
      } finally {
        await proxied.stop();
      }
    });
  });

  describe('failed writes leave no trace', () => {
    it('409, 422 and 403 add no audit row and no stream entry, including a rollback after the entry was staged', async () => {
      const taken = await createViaApi();
      const target = await createViaApi();
      const plain = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const rowsBefore = await auditCount();
      const streamBefore = await streamLength();
      const statementsBefore = ctx.server.queries.length;

      const statuses = [
        (await ctx.api.post('/v1/users', userInput({ username: taken.username.toUpperCase() }), { token: ctx.admin.token })).status,
        (await ctx.api.patch(`/v1/users/${target.id}`, { username: taken.username, lastName: 'Never' }, { token: ctx.admin.token })).status,
        (await ctx.api.patch(`/v1/users/${target.id}`, { email: taken.email }, { token: ctx.admin.token })).status,
        (await ctx.api.patch(`/v1/users/${target.id}`, { email: 'not-an-email' }, { token: ctx.admin.token })).status,
        (await ctx.api.post('/v1/users', userInput({ password: 'short' }), { token: ctx.admin.token })).status,
        (await ctx.api.patch(`/v1/users/${plain.id}`, { role: 'admin' }, { token: plain.token })).status,
        (await ctx.api.delete(`/v1/users/${target.id}`, { token: moderator.token })).status,
        (await ctx.api.patch(`/v1/users/${ctx.admin.id}`, { isActive: false }, { token: moderator.token })).status,
        (await ctx.api.post(`/v1/users/${plain.id}/password`, { currentPassword: 'Not-the-passw0rd!', newPassword: 'Fresh-passw0rd!' }, { token: plain.token })).status,
      ];
      const graphql = await ctx.api.graphql('mutation ($id: UUID!, $u: String!) { updateUser(id: $id, input: { username: $u }) { id } }', { id: target.id, u: taken.username }, ctx.admin.token);

      expect(statuses).toEqual([409, 409, 409, 422, 422, 403, 403, 403, 422]);
      expect(graphql.errors?.[0].extensions.code).toBe('CONFLICT');
      // The conflicting updates did stage their entry (on the write's batch, sent after the ORM's
      // changes): the change failed first, the entry was never sent, and the transaction rolled back.
      const statements = ctx.server.queries.slice(statementsBefore);
      expect(statements.some((sql) => /insert into "audit_logs"/.test(sql))).toBe(false);
      expect(statements.some((sql) => /rollback/.test(sql))).toBe(true);
      expect(await auditCount()).toBe(rowsBefore);
      expect(await streamLength()).toBe(streamBefore);
      expect((await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token })).body.lastName).not.toBe('Never');
    });
  });

  describeWithRedis('the Redis Stream', () => {
    it('receives each committed entry, with the same content as the row', async () => {
      const target = await createViaApi();
      expect((await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Streamed' }, { token: ctx.admin.token })).status).toBe(200);

      const [row] = await rowsOf(target.id, 'user.updated');
      // Published from the event outbox by its relay, a moment after the commit.
      await eventually(async () => expect((await streamEntries()).filter((entry) => entry.id === row.id)).toHaveLength(1), 10_000);
      const published = (await streamEntries()).filter((entry) => entry.id === row.id);
      expect(published[0]).toEqual({
        id: row.id,
        action: 'user.updated',
        entityType: 'user',
        entityId: target.id,
        userId: ctx.admin.id,
        ipAddress: IP,
        oldValues: JSON.stringify({ lastName: target.lastName }),
        newValues: JSON.stringify({ lastName: 'Streamed' }),
        createdAt: new Date(row.created_at).toISOString(),
      });
      const created = (await streamEntries()).filter((entry) => entry.entityId === target.id && entry.action === 'user.created');
      expect(created).toHaveLength(1);
      expect(created[0].newValues).not.toMatch(/password|argon2/i);
    });

    it('every row in audit_logs was published once, and nothing else was', async () => {
      const rowIds = (await sql<{ id: string }>('select id from audit_logs')).map((row) => row.id).sort();
      await eventually(async () => expect((await streamEntries()).map((entry) => entry.id).sort()).toEqual(rowIds), 10_000);
    });
  });

  describe('no secret anywhere in audit_logs', () => {
    /** One user through every audited action, secrets flying in every request body. */
    beforeAll(async () => {
      const target = await createViaApi({ phone: '+14155550123' });
      await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Everything', role: 'moderator', isActive: false }, { token: ctx.admin.token });
      await ctx.api.patch(`/v1/users/${target.id}`, { isActive: true }, { token: ctx.admin.token });
      await ctx.api.post('/v1/auth/login', { username: target.username, password: 'Wrong-passw0rd!' });
      const first = await login(ctx.api, target);
      const second = (await ctx.api.post('/v1/auth/refresh', { refreshToken: first.refreshToken })).body;
      await ctx.api.post('/v1/auth/refresh', { refreshToken: second.refreshToken });
      await ctx.api.post('/v1/auth/refresh', { refreshToken: first.refreshToken });
      const current = await login(ctx.api, target);
      await ctx.api.post(`/v1/users/${target.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword: 'Owner-n3w-pass!' }, { token: current.token });
      const other = await login(ctx.api, { username: target.username, password: 'Owner-n3w-pass!' });
      await ctx.api.delete(`/v1/users/${target.id}/sessions/${sidOf(other.token)}`, { token: ctx.admin.token });
      await ctx.api.post('/v1/auth/logout', undefined, { token: current.token });
      await ctx.api.delete(`/v1/users/${target.id}`, { token: ctx.admin.token });
    });

    it('no old or new value holds a password, a hash or a token', async () => {
      const rows = await sql<{ id: string; action: string; text: string }>(`select id, action, coalesce(old_values::text, '') || ' ' || coalesce(new_values::text, '') as text from audit_logs`);
      expect(rows.length).toBeGreaterThanOrEqual(12);
      const leaks = rows.filter((row) => /argon2|password|hash|token|Correct-h0rse|Owner-n3w|Admin-s3t|Wrong-passw0rd/i.test(row.text));
      expect(leaks).toEqual([]);
      expect(new Set(rows.map((row) => row.action))).toEqual(
        new Set([
          'user.created',
          'user.updated',
          'user.role_changed',
          'user.activated',
          'user.deactivated',
          'user.deleted',
          'auth.login',
          'auth.login_failed',
          'auth.logout',
          'auth.refresh_reuse_detected',
          'auth.password_changed',
          'session.revoked',
        ]),
      );
    });
  });

  describe('reading the trail', () => {
    let subject: { id: string; username: string; lastName: string };
    let entryIds: string[];
    let actor: SignedIn;

    beforeAll(async () => {
      subject = await createViaApi();
      for (const lastName of ['One', 'Two', 'Three', 'Four']) {
        await ctx.api.patch(`/v1/users/${subject.id}`, { lastName }, { token: ctx.admin.token });
      }
      // Five entries about the subject, one per day of January 2020, oldest first.
      const rows = await rowsFor(subject.id);
      entryIds = rows.map((row) => row.id);
      for (const [index, id] of entryIds.entries()) {
        await sql('update audit_logs set created_at = ? where id = ?', [new Date(Date.UTC(2020, 0, index + 1, 12)), id]);
      }
      actor = await signedIn(ctx.server, ctx.api, UserRole.USER);
      await ctx.api.patch(`/v1/users/${actor.id}`, { lastName: 'SelfEdit' }, { token: actor.token });
    });

    it('GET /v1/audit-logs filters by entityId, entityType and action, newest first', async () => {
      const all = await ctx.api.get(`/v1/audit-logs?entityId=${subject.id}&entityType=user`, { token: ctx.admin.token });
      expect(all.status).toBe(200);
      expect(all.body.data.map((entry: { id: string }) => entry.id)).toEqual([...entryIds].reverse());
      expect(all.body.pagination).toEqual({ page: 1, limit: 20, total: 5, totalPages: 1 });
      expect(all.body.data[0]).toEqual({
        id: entryIds[4],
        userId: ctx.admin.id,
        action: 'user.updated',
        entityType: 'user',
        entityId: subject.id,
        oldValues: { lastName: 'Three' },
        newValues: { lastName: 'Four' },
        ipAddress: IP,
        createdAt: '2020-01-05T12:00:00.000Z',
      });

      const created = await ctx.api.get(`/v1/audit-logs?entityId=${subject.id}&action=user.created`, { token: ctx.admin.token });
      expect(created.body.data.map((entry: { id: string }) => entry.id)).toEqual([entryIds[0]]);
      expect((await ctx.api.get(`/v1/audit-logs?entityId=${subject.id}&entityType=session`, { token: ctx.admin.token })).body.data).toEqual([]);
    });

    it('GET /v1/audit-logs filters by userId (the actor)', async () => {
      const mine = await ctx.api.get(`/v1/audit-logs?userId=${actor.id}`, { token: ctx.admin.token });
      expect(mine.status).toBe(200);
      expect(mine.body.data.map((entry: { action: string }) => entry.action).sort()).toEqual(['auth.login', 'user.updated']);
      expect(mine.body.data.every((entry: { userId: string }) => entry.userId === actor.id)).toBe(true);
    });

    it('GET /v1/audit-logs filters by time: from is inclusive, to is exclusive', async () => {
      const window = async (query: string) =>
        (await ctx.api.get(`/v1/audit-logs?entityId=${subject.id}&${query}`, { token: ctx.admin.token })).body.data.map((entry: { id: string }) => entry.id);
      expect(await window('from=2020-01-02T12:00:00Z')).toEqual([entryIds[4], entryIds[3], entryIds[2], entryIds[1]]);
      expect(await window('to=2020-01-03T12:00:00Z')).toEqual([entryIds[1], entryIds[0]]);
      expect(await window('from=2020-01-02T00:00:00Z&to=2020-01-04T00:00:00Z')).toEqual([entryIds[2], entryIds[1]]);
    });

    it('GET /v1/audit-logs pages without gaps or repeats', async () => {
      const pages = [];
      for (let page = 1; page <= 3; page += 1) {
        const response = await ctx.api.get(`/v1/audit-logs?entityId=${subject.id}&limit=2&page=${page}`, { token: ctx.admin.token });
        expect(response.body.pagination).toEqual({ page, limit: 2, total: 5, totalPages: 3 });
        pages.push(response.body.data.map((entry: { id: string }) => entry.id));
      }
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual([...entryIds].reverse());
      expect((await ctx.api.get(`/v1/audit-logs?entityId=${subject.id}&limit=2&page=4`, { token: ctx.admin.token })).body.data).toEqual([]);
    });

    it('GET /v1/audit-logs refuses malformed filters with 422', async () => {
      for (const query of ['userId=not-a-uuid', 'from=yesterday', 'limit=0', 'limit=101', 'colour=red']) {
        expect([query, (await ctx.api.get(`/v1/audit-logs?${query}`, { token: ctx.admin.token })).status]).toEqual([query, 422]);
      }
    });

    it('GET /v1/users/{id}/audit-logs lists what that user did', async () => {
      const response = await ctx.api.get(`/v1/users/${actor.id}/audit-logs?limit=10`, { token: ctx.admin.token });
      expect(response.status).toBe(200);
      expect(response.body.data.map((entry: { action: string }) => entry.action).sort()).toEqual(['auth.login', 'user.updated']);
      expect(response.body.pagination).toEqual({ page: 1, limit: 10, total: 2, totalPages: 1 });
    });

    it('GraphQL auditLogs filters and pages with cursors, in the same order as REST', async () => {
      const ids: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const result: any = await ctx.api.graphql(
          `query ($filter: AuditLogFilterInput, $after: String) { auditLogs(filter: $filter, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${AUDIT_FIELDS} } } } }`,
          { filter: { entityId: subject.id }, after },
          ctx.admin.token,
        );
        expect(result.errors).toBeUndefined();
        expect(result.data.auditLogs.totalCount).toBe(5);
        ids.push(...result.data.auditLogs.edges.map((edge: any) => edge.node.id));
        after = result.data.auditLogs.pageInfo.hasNextPage ? result.data.auditLogs.pageInfo.endCursor : null;
        pages += 1;
      } while (after && pages < 10);
      expect(pages).toBe(3);
      expect(ids).toEqual([...entryIds].reverse());

      const filtered = await ctx.api.graphql(
        `query ($filter: AuditLogFilterInput) { auditLogs(filter: $filter) { edges { node { ${AUDIT_FIELDS} } } } }`,
        { filter: { entityId: subject.id, action: 'user.updated', from: '2020-01-03T00:00:00Z', to: '2020-01-05T00:00:00Z' } },
        ctx.admin.token,
      );
      expect(filtered.data.auditLogs.edges.map((edge: any) => edge.node)).toEqual([
        expect.objectContaining({ id: entryIds[3], oldValues: { lastName: 'Two' }, newValues: { lastName: 'Three' }, userId: ctx.admin.id, ipAddress: IP, createdAt: '2020-01-04T12:00:00.000Z' }),
        expect.objectContaining({ id: entryIds[2], oldValues: { lastName: 'One' }, newValues: { lastName: 'Two' } }),
      ]);
    });

    it('GraphQL User.auditLogs lists what that user did', async () => {
      const result = await ctx.api.graphql('query ($id: UUID!) { user(id: $id) { id auditLogs { action userId entityId createdAt } } }', { id: actor.id }, ctx.admin.token);
      expect(result.errors).toBeUndefined();
      const entries = result.data.user.auditLogs;
      expect(entries.map((entry: any) => entry.action).sort()).toEqual(['auth.login', 'user.updated']);
      expect(entries.every((entry: any) => entry.userId === actor.id)).toBe(true);
    });

    it('only admins read it: 403 / FORBIDDEN for users and moderators, 401 / UNAUTHENTICATED anonymously', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      for (const caller of [actor, moderator]) {
        expect((await ctx.api.get('/v1/audit-logs', { token: caller.token })).status).toBe(403);
        expect((await ctx.api.get(`/v1/users/${caller.id}/audit-logs`, { token: caller.token })).status).toBe(403);
        expect((await ctx.api.graphql('{ auditLogs { totalCount } }', {}, caller.token)).errors?.[0].extensions.code).toBe('FORBIDDEN');
        const nested = await ctx.api.graphql('query ($id: UUID!) { user(id: $id) { id auditLogs { id } } }', { id: caller.id }, caller.token);
        expect(nested.errors?.[0].extensions.code).toBe('FORBIDDEN');
        expect(nested.data?.user ?? null).toBeNull();
      }
      expect((await ctx.api.get('/v1/audit-logs')).status).toBe(401);
      expect((await ctx.api.get(`/v1/users/${actor.id}/audit-logs`)).status).toBe(401);
      // The role is checked before the id, so a malformed id tells a non-admin nothing either.
      expect((await ctx.api.get('/v1/users/not-a-uuid/audit-logs')).status).toBe(401);
      expect((await ctx.api.get('/v1/users/not-a-uuid/audit-logs', { token: actor.token })).status).toBe(403);
      expect((await ctx.api.get('/v1/users/not-a-uuid/audit-logs', { token: ctx.admin.token })).status).toBe(400);
      expect((await ctx.api.graphql('{ auditLogs { totalCount } }')).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('archiving', () => {
    const countIn = async (table: 'audit_logs' | 'audit_logs_archive', where = 'true', params: unknown[] = []) =>
      Number((await sql<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params))[0].n);

    it('archive(before) moves exactly the older rows, whole, to audit_logs_archive', async () => {
      const target = await createViaApi();
      await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Old' }, { token: ctx.admin.token });
      await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Recent' }, { token: ctx.admin.token });
      const rows = await rowsFor(target.id);
      expect(rows).toHaveLength(3);
      await sql('update audit_logs set created_at = ? where id in (?, ?)', [new Date('1995-06-01T00:00:00Z'), rows[0].id, rows[1].id]);
      const liveBefore = await countIn('audit_logs');
      const archivedBefore = await countIn('audit_logs_archive');
      const olderBefore = await countIn('audit_logs', 'created_at < ?', [new Date('1996-01-01T00:00:00Z')]);

      const moved = await ctx.server.orm.em.fork().getRepository(AuditLog).archive(new Date('1996-01-01T00:00:00Z'));

      expect(moved).toBe(olderBefore);
      expect(moved).toBeGreaterThanOrEqual(2);
      expect(await countIn('audit_logs')).toBe(liveBefore - moved);
      expect(await countIn('audit_logs_archive')).toBe(archivedBefore + moved);
      expect((await rowsFor(target.id)).map((row) => row.id)).toEqual([rows[2].id]);
      // Every column survives the move; raw rows carry timestamps as text, so compare instants.
      const instant = (value: unknown) => new Date(value as string).toISOString();
      const archived = await sql('select * from audit_logs_archive where entity_id = ? order by id', [target.id]);
      const expected = [rows[0], rows[1]].map((row) => ({ ...row, created_at: '1995-06-01T00:00:00.000Z' })).sort((a, b) => a.id.localeCompare(b.id));
      expect(archived.map(({ archived_at: _archivedAt, ...row }) => ({ ...row, created_at: instant(row.created_at) }))).toEqual(expected);
      expect(archived.every((row) => Math.abs(new Date(row.archived_at).getTime() - Date.now()) < 3_600_000)).toBe(true);

      expect(await ctx.server.orm.em.fork().getRepository(AuditLog).archive(new Date('1996-01-01T00:00:00Z'))).toBe(0);
    });

    describe('the audit-archive script', () => {
      const script = join(ROOT, 'dist', 'scripts', 'audit-archive.js');
      const env = () => ({ ...process.env, DATABASE_URL: ctx.server.config.databaseUrl, NODE_ENV: 'development', LOG_LEVEL: 'silent' });

      beforeAll(async () => {
        const build = await run('npm', ['run', 'build']);
        if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
        expect(existsSync(script)).toBe(true);
      }, 240_000);

      it('moves the rows older than --before and says how many', async () => {
        const target = await createViaApi();
        await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Ancient' }, { token: ctx.admin.token });
        await sql(`update audit_logs set created_at = '1999-03-01T00:00:00Z' where entity_id = ?`, [target.id]);
        const older = await countIn('audit_logs', `created_at < '2000-01-01'`);
        expect(older).toBeGreaterThanOrEqual(2);
        const archivedBefore = await countIn('audit_logs_archive');

        const result = await run(process.execPath, [script, '--before', '2000-01-01'], env());

        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(new RegExp(`^Archived ${older} audit entries older than 2000-01-01T00:00:00.000Z\\.$`, 'm'));
        expect(await countIn('audit_logs', `created_at < '2000-01-01'`)).toBe(0);
        expect(await countIn('audit_logs_archive')).toBe(archivedBefore + older);
        expect(await countIn('audit_logs_archive', 'entity_id = ?', [target.id])).toBe(2);
      });

      it('exits 2 with usage for a bad or missing --before, touching nothing', async () => {
        const archivedBefore = await countIn('audit_logs_archive');
        for (const args of [['--before', 'last-tuesday'], ['--before', '2000-13-45'], []]) {
          const result = await run(process.execPath, [script, ...args], env());
          expect([args, result.code]).toEqual([args, 2]);
          expect(result.stderr).toMatch(/Usage/);
        }
        expect(await countIn('audit_logs_archive')).toBe(archivedBefore);
      });
    });
  });
});
