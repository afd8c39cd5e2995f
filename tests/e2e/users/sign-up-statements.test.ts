import { sql } from '../../support/auth';
import { userInput } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/**
 * A sign-up's SQL beside its password hash: the user and its password history, the verification
 * link's token (serialised per user by an advisory lock, older links superseded), the welcome
 * mail's job and one statement for the audit and outbox rows, in one transaction with no savepoint.
 */
const MAX_STATEMENTS_PER_SIGN_UP = 9;

describe('a sign-up sends few SQL statements', () => {
  const ctx = useTestServer();

  it(`at most ${MAX_STATEMENTS_PER_SIGN_UP}, the user written before the token that refers to it, the mail committed with it`, async () => {
    await ctx.api.post('/v1/users', userInput());
    const input = userInput();
    const before = ctx.server.queries.length;
    const signup = await ctx.api.post('/v1/users', input);
    expect(signup.status).toBe(201);
    const statements = ctx.server.queries.slice(before);

    expect(statements.length).toBeLessThanOrEqual(MAX_STATEMENTS_PER_SIGN_UP);
    expect(statements.filter((statement) => /savepoint/i.test(statement))).toEqual([]);
    // The user is written once and never read back: the mail takes it from the transaction's identity map.
    expect(statements.filter((statement) => /from "users"/.test(statement))).toEqual([]);
    const userInsert = statements.findIndex((statement) => /insert into "users"/.test(statement));
    const tokenInsert = statements.findIndex((statement) => /insert into "one_time_tokens"/.test(statement));
    expect(userInsert).toBeGreaterThanOrEqual(0);
    expect(tokenInsert).toBeGreaterThan(userInsert);

    const [row] = await sql(
      ctx.server,
      `select (select count(*)::int from one_time_tokens t where t.user_id = u.id and t.purpose = 'verify_email' and t.superseded_at is null) as tokens,
              (select count(*)::int from pgboss.job where name = 'mail.send' and data->>'to' = u.email) as mails
         from users u where u.id = ?`,
      [signup.body.id],
    );
    expect(row).toEqual({ tokens: 1, mails: 1 });
  });
});
