import { buildAsyncApiDocument } from '../../../src/events/asyncapi.document';
import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, login, signedIn, userInput } from '../../support/factories';
import { describeWithRedis } from '../../support/redis-mode';
import { rawRedis } from '../../support/redis-tools';
import { eventually } from '../../support/scratch-database';
import { useTestServer } from '../../support/use-test-server';

interface OutboxRow {
  id: string;
  type: string;
  subject: string | null;
  sequence: string | null;
  actor: string | null;
  data: Record<string, unknown>;
  fanout_pending: boolean;
  stream_pending: boolean;
}

describe('the event outbox', () => {
  const ctx = useTestServer({}, { admin: true });

  async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await ctx.server.orm.em.fork().getConnection().execute(query, params)) as T[];
  }
  /** The catalogue events about a user, in their sequence. */
  const eventsOf = (userId: string) => sql<OutboxRow>(`select * from event_outbox where subject = ? order by sequence`, [userId]);
  const told = async (userId: string) => (await eventsOf(userId)).map(({ type, sequence, actor, data }) => ({ type, sequence: Number(sequence), actor, data }));

  it('a sign-up is told once, numbered 1, by nobody, with the account and never its password', async () => {
    const input = userInput({ phone: '+14155550100' });
    const created = await ctx.api.post('/v1/users', input);
    expect(created.status).toBe(201);
    expect(await told(created.body.id)).toEqual([
      {
        type: 'user.created',
        sequence: 1,
        actor: null,
        data: { username: input.username, email: input.email, firstName: input.firstName, lastName: input.lastName, role: 'user', isActive: true, emailVerified: false },
      },
    ]);
    expect(JSON.stringify(await eventsOf(created.body.id))).not.toMatch(/password|argon2|Correct-h0rse/i);
  });

  it("an admin's changes: role, status, profile field names, sessions ended, each with its actor and the next number", async () => {
    const target = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const sessionId = JSON.parse(Buffer.from(target.token.split('.')[1], 'base64url').toString()).sid as string;
    const patched = await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Changed', phone: '+14155550101', role: 'moderator', isActive: false }, { token: ctx.admin.token });
    expect(patched.status).toBe(200);
    expect(await told(target.id)).toEqual([
      { type: 'session.created', sequence: 1, actor: null, data: { sessionId, method: 'password' } },
      { type: 'user.updated', sequence: 2, actor: ctx.admin.id, data: { fields: ['lastName', 'phone'] } },
      { type: 'user.role_changed', sequence: 3, actor: ctx.admin.id, data: { from: 'user', to: 'moderator' } },
      { type: 'user.deactivated', sequence: 4, actor: ctx.admin.id, data: {} },
      { type: 'session.revoked', sequence: 5, actor: ctx.admin.id, data: { sessionId, reason: 'deactivated' } },
    ]);
  });

  it('a password change by its owner, a logout and a stolen refresh token', async () => {
    const owner = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const changed = await ctx.api.post(`/v1/users/${owner.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword: 'Another-passw0rd!' }, { token: owner.token });
    expect(changed.status).toBe(204);
    const second = await login(ctx.api, { username: owner.username, password: 'Another-passw0rd!' });
    const rotated = await ctx.api.post('/v1/auth/refresh', { refreshToken: second.refreshToken });
    expect(rotated.status).toBe(200);
    expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: rotated.body.refreshToken })).status).toBe(200);
    // A token retired two rotations ago: it leaked (not a client racing itself), the session dies.
    expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
    expect((await ctx.api.post('/v1/auth/logout', {}, { token: owner.token })).status).toBe(204);
    const types = (await told(owner.id)).map(({ type, sequence, actor, data }) => [sequence, type, actor === owner.id ? 'owner' : actor, data.via ?? data.reason ?? data.method ?? null]);
    expect(types).toEqual([
      [1, 'session.created', null, 'password'],
      [2, 'user.password_changed', 'owner', 'self'],
      [3, 'session.created', null, 'password'],
      [4, 'auth.refresh_reuse_detected', null, null],
      [5, 'session.revoked', null, 'refresh_reuse'],
      [6, 'session.revoked', 'owner', 'logout'],
    ]);
  });

  it('a write that rolls back leaves no event', async () => {
    const taken = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const target = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const before = await told(target.id);
    expect((await ctx.api.patch(`/v1/users/${target.id}`, { username: taken.username, lastName: 'Never' }, { token: ctx.admin.token })).status).toBe(409);
    expect(await told(target.id)).toEqual(before);
  });

  it("numbers one user's events 1, 2, 3... without gaps or duplicates under concurrent writes, in the order they committed", async () => {
    const target = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.api.patch(`/v1/users/${target.id}`, { lastName: `Concurrent${i}` }, { token: ctx.admin.token }).then((r) => r.status)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const events = await eventsOf(target.id);
    expect(events.map((event) => Number(event.sequence))).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    // Numbered in the order the rows were written, which the counter's lock makes the order of the commits.
    const written = await sql<{ sequence: string }>(`select sequence from event_outbox where subject = ? order by position`, [target.id]);
    expect(written.map((row) => Number(row.sequence))).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('the catalogue is served at /asyncapi.json, without a token', async () => {
    const served = await ctx.api.get('/asyncapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.body).toEqual(buildAsyncApiDocument());
  });

  it('the relay takes every event: nothing is left to fan out', async () => {
    await signedIn(ctx.server, ctx.api, UserRole.USER);
    await eventually(async () => expect(await sql('select id from event_outbox where fanout_pending')).toEqual([]), 10_000);
  });

  describeWithRedis('the Redis stream audit, fed from the outbox', () => {
    it('gets each audit row once, its id the row id, after the commit', async () => {
      const redis = rawRedis();
      try {
        const target = await signedIn(ctx.server, ctx.api, UserRole.USER);
        expect((await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Streamed' }, { token: ctx.admin.token })).status).toBe(200);
        const rows = await sql<{ id: string }>(`select id from audit_logs where entity_id = ? or user_id = ?`, [target.id, target.id]);
        expect(rows.length).toBeGreaterThanOrEqual(2);
        const streamIds = async () => (await redis.xrange(`${ctx.server.config.redisKeyPrefix}audit`, '-', '+')).map(([, fields]) => fields[1]);
        await eventually(async () => expect((await streamIds()).filter((id) => rows.some((row) => row.id === id)).sort()).toEqual(rows.map((row) => row.id).sort()), 10_000);
        expect(await sql(`select id from event_outbox where type = 'audit.recorded' and stream_pending and id in (${rows.map(() => '?').join(',')})`, rows.map((row) => row.id))).toEqual([]);
      } finally {
        redis.disconnect();
      }
    });
  });
});
