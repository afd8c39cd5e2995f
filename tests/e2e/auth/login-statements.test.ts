import { sql } from '../../support/auth';
import { seedUser } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/**
 * Issue 17: everything a login does beside the password hash is taken from the hash's cores, so its
 * SQL is counted here. A password login is: the user by name, the user's second factors, and a
 * transaction of the locked row's update and one statement for the session, the audit row and the
 * event outbox rows (begin and commit included: 6). More statements per login fail this test.
 */
const MAX_STATEMENTS_PER_LOGIN = 6;

describe('a login sends few SQL statements (issue 17)', () => {
  const ctx = useTestServer();

  /** The statements the API's EntityManager sent for one request (the outbox relay has its own pool). */
  async function statementsOf(request: () => Promise<{ status: number }>, status: number): Promise<string[]> {
    const before = ctx.server.queries.length;
    expect((await request()).status).toBe(status);
    return ctx.server.queries.slice(before);
  }

  it(`a password login: at most ${MAX_STATEMENTS_PER_LOGIN} statements, its writes in one of them`, async () => {
    const user = await seedUser(ctx.server);
    const login = () => ctx.api.post('/v1/auth/login', { username: user.username, password: user.password });
    await login();
    const statements = await statementsOf(login, 200);
    expect(statements.length).toBeLessThanOrEqual(MAX_STATEMENTS_PER_LOGIN);
    // The session, the audit row and the outbox rows are written by one statement.
    const writes = statements.filter((statement) => /insert into "(sessions|audit_logs|event_outbox|event_sequences)"/.test(statement));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/insert into "sessions"[\s\S]*insert into "audit_logs"[\s\S]*insert into "event_outbox"/);
    // The user's row: read once by name, then locked and updated by one statement.
    expect(statements.filter((statement) => /from "users"|update "users"/.test(statement))).toHaveLength(2);
    // And it all landed: the session, the audit row, lastLoginAt, the outbox's session.created.
    const [row] = await sql(
      ctx.server,
      `select (select count(*)::int from sessions where user_id = u.id) as sessions,
              (select count(*)::int from audit_logs where user_id = u.id and action = 'auth.login') as audits,
              (select count(*)::int from event_outbox where subject = u.id and type = 'session.created') as events,
              (select array_agg(sequence order by sequence)::int[] from event_outbox where subject = u.id) as sequences,
              u.last_login_at is not null as signed_in
         from users u where u.id = ?`,
      [user.id],
    );
    expect(row).toMatchObject({ sessions: 2, audits: 2, events: 2, signed_in: true });
    // Numbered without gaps per user, as the outbox promises.
    expect(row.sequences).toEqual(row.sequences.map((_: number, i: number) => row.sequences[0] + i));
  });

  it('a wrong password: the user by name and the committed audit row, in at most 4 statements', async () => {
    const user = await seedUser(ctx.server);
    const statements = await statementsOf(() => ctx.api.post('/v1/auth/login', { username: user.username, password: 'Wrong-passw0rd!' }), 401);
    expect(statements.length).toBeLessThanOrEqual(4);
  });
});
