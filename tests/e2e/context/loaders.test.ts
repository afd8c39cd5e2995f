import { AuditLog } from '../../../src/audit/audit-log.entity';
import { UserRole } from '../../../src/users/user-role';
import { RECENT_AUDIT_LOGS_PER_USER } from '../../../src/context/loaders';
import { DEFAULT_PASSWORD, login, seedUser, signedIn, type SignedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/** The statement that authenticates every request: not part of what a query costs. */
/**
 * What authenticating the caller or the instance's own upkeep may send during a measured request,
 * depending on timing rather than on the query: the session lookup, the caller's user re-read when
 * its cached entry aged out (one row by id, never a page), and the revocation epoch's poll.
 */
const AUTH_STATEMENT = /from "sessions" as "s0" inner join "users"|where "id" = \S+ and "deleted_at" is null limit 1/;

const USERS_WITH_SESSIONS = 'query ($first: Int!) { users(first: $first) { edges { node { id sessions { id } } } } }';
const USERS_WITH_AUDIT = 'query ($first: Int!) { users(first: $first) { edges { node { id auditLogs { id userId action } } } } }';
const AUDIT_WITH_USER = 'query ($first: Int!, $filter: AuditLogFilterInput) { auditLogs(first: $first, filter: $filter) { edges { node { id userId user { id username } } } } }';

describe('GraphQL field batching: statements per request do not grow with the page', () => {
  const ctx = useTestServer();
  let admin: SignedIn;
  const seeded: { id: string; username: string; sessionId: string }[] = [];

  beforeAll(async () => {
    // 50 users, each signed in once: 50 sessions and 50 auth.login entries by 50 different actors.
    for (let i = 0; i < 50; i += 1) {
      const user = await seedUser(ctx.server);
      const { token } = await login(ctx.api, user);
      const sessionId = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;
      seeded.push({ id: user.id, username: user.username, sessionId });
    }
    admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
  });

  /** Runs one GraphQL request and returns its result with the SQL statements it sent. */
  async function measured(query: string, variables: Record<string, unknown>) {
    // The caller's own session and user may be read through caches during authentication: warm them,
    // so only the query's own statements are counted.
    expect((await ctx.api.get('/v1/auth/validate', { token: admin.token })).status).toBe(200);
    const before = ctx.server.queries.length;
    const result = await ctx.api.graphql(query, variables, admin.token);
    const statements = ctx.server.queries.slice(before).filter((sql) => !AUTH_STATEMENT.test(sql));
    expect(result.errors).toBeUndefined();
    return { data: result.data, statements };
  }

  it('users { sessions }: one sessions statement for the whole page, the same count for 10 and 50 users', async () => {
    const ten = await measured(USERS_WITH_SESSIONS, { first: 10 });
    const fifty = await measured(USERS_WITH_SESSIONS, { first: 50 });

    expect(ten.data.users.edges).toHaveLength(10);
    expect(fifty.data.users.edges).toHaveLength(50);
    expect(fifty.statements.length).toBe(ten.statements.length);
    expect(fifty.statements.length).toBeLessThanOrEqual(4);
    expect(fifty.statements.filter((sql) => /from "sessions"/.test(sql))).toHaveLength(1);

    // Batched, yet each user got exactly their own sessions.
    const sessionsById = new Map<string, string[]>(fifty.data.users.edges.map((edge: any) => [edge.node.id, edge.node.sessions.map((s: any) => s.id)]));
    const shown = seeded.filter((user) => sessionsById.has(user.id));
    expect(shown.length).toBeGreaterThanOrEqual(49);
    for (const user of shown) expect(sessionsById.get(user.id)).toEqual([user.sessionId]);
  });

  it('auditLogs { user }: one users statement for the whole page, the same count for 10 and 50 entries', async () => {
    const filter = { action: 'auth.login' };
    const ten = await measured(AUDIT_WITH_USER, { first: 10, filter });
    const fifty = await measured(AUDIT_WITH_USER, { first: 50, filter });

    expect(ten.data.auditLogs.edges).toHaveLength(10);
    expect(fifty.data.auditLogs.edges).toHaveLength(50);
    expect(fifty.statements.length).toBe(ten.statements.length);
    expect(fifty.statements.length).toBeLessThanOrEqual(4);
    expect(fifty.statements.filter((sql) => /from "users"/.test(sql))).toHaveLength(1);

    const nodes = fifty.data.auditLogs.edges.map((edge: any) => edge.node);
    expect(new Set(nodes.map((node: any) => node.userId)).size).toBeGreaterThanOrEqual(49);
    const usernames = new Map(seeded.map((user) => [user.id, user.username]));
    usernames.set(admin.id, admin.username);
    for (const node of nodes) expect(node.user).toEqual({ id: node.userId, username: usernames.get(node.userId) });
  });

  it('auditLogs { user } for entries sharing one actor asks for that user once', async () => {
    const target = seeded[0];
    for (let i = 0; i < 3; i += 1) await login(ctx.api, { username: target.username, password: DEFAULT_PASSWORD });
    const { data, statements } = await measured(AUDIT_WITH_USER, { first: 50, filter: { userId: target.id } });

    expect(data.auditLogs.edges.length).toBeGreaterThanOrEqual(4);
    expect(data.auditLogs.edges.every((edge: any) => edge.node.user.id === target.id)).toBe(true);
    expect(statements.filter((sql) => /from "users"/.test(sql))).toHaveLength(1);
  });

  it('users { auditLogs }: one batched statement for every user on the page, each with their own entries', async () => {
    const ten = await measured(USERS_WITH_AUDIT, { first: 10 });
    const fifty = await measured(USERS_WITH_AUDIT, { first: 50 });

    expect(fifty.statements.length).toBe(ten.statements.length);
    expect(fifty.statements.filter((sql) => /from audit_logs/.test(sql))).toHaveLength(1);
    const nodes = fifty.data.users.edges.map((edge: any) => edge.node);
    const seededIds = new Set(seeded.map((user) => user.id));
    for (const node of nodes) {
      expect(node.auditLogs.every((entry: any) => entry.userId === node.id)).toBe(true);
      if (seededIds.has(node.id)) expect(node.auditLogs.map((entry: any) => entry.action)).toContain('auth.login');
    }
  });

  it('users { auditLogs } shows at most the newest 50 entries of a user, newest first', async () => {
    const busy = seeded[1];
    const em = ctx.server.orm.em.fork();
    const base = Date.now() - 3_600_000;
    for (let i = 0; i < RECENT_AUDIT_LOGS_PER_USER + 5; i += 1) {
      em.persist(em.create(AuditLog, { userId: busy.id, action: 'user.updated', entityType: 'user', entityId: busy.id, ipAddress: '10.0.0.1', createdAt: new Date(base + i * 1000) }));
    }
    await em.flush();
    // The login entry of beforeAll is the newest of all.
    const { data } = await measured(
      'query ($filter: UserFilterInput) { users(first: 5, filter: $filter) { edges { node { id auditLogs { action createdAt } } } } }',
      { filter: { q: busy.username } },
    );

    const entries = data.users.edges[0].node.auditLogs as { action: string; createdAt: string }[];
    expect(entries).toHaveLength(RECENT_AUDIT_LOGS_PER_USER);
    expect(entries[0].action).toBe('auth.login');
    const times = entries.map((entry) => new Date(entry.createdAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The five oldest fell off.
    expect(Math.min(...times)).toBe(base + 6 * 1000);
  });

  it('nesting both (auditLogs { user { sessions } }) still costs a constant number of statements', async () => {
    const query = 'query ($first: Int!) { auditLogs(first: $first, filter: { action: "auth.login" }) { edges { node { user { id sessions { id } } } } } }';
    const ten = await measured(query, { first: 10 });
    const fifty = await measured(query, { first: 50 });
    expect(fifty.statements.length).toBe(ten.statements.length);
    expect(fifty.statements.length).toBeLessThanOrEqual(5);
  });
});
