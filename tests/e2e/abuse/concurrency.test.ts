/*
 * Races (issue 7, part 2): many requests for the same name, the same row or the same refresh token at
 * once. Uniqueness must hold in any letter case with exactly one winner per name, concurrent updates
 * of one user must leave a row (and a cached view) that one of them answered, and a refresh token
 * must be spent exactly once. Never a 5xx. The test server's rate limits are high (startTestServer).
 */
import { randomBytes } from 'node:crypto';
import { checkGraphQLResponse, checkRestResponse, type GraphQLBody } from '../../support/abuse';
import { decodeToken, sql } from '../../support/auth';
import { login, seedUser, signedIn, userInput } from '../../support/factories';
import type { HttpResponse } from '../../support/http';
import { startTestServer } from '../../support/test-server';
import { useTestServer } from '../../support/use-test-server';

/** Mixes the letter case of a string, differently per `seed`. */
function mixCase(text: string, seed: number): string {
  return [...text].map((char, index) => ((seed >> index % 16) & 1 ? char.toUpperCase() : char.toLowerCase())).join('');
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomBytes(4).readUInt32BE(0) % (i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

describe('Concurrency', () => {
  const ctx = useTestServer({ LOG_LEVEL: 'warn' }, { admin: true });

  /** Every answer of a race: no 5xx, and errors are well-formed problems. */
  const checked = (response: HttpResponse, method: string) => {
    checkRestResponse(response, method);
    return response;
  };

  describe('200 parallel sign-ups with colliding names', () => {
    const USERNAME_GROUPS = 15;
    const EMAIL_GROUPS = 5;
    const TRIES = 10;

    interface Attempt {
      group: string;
      kind: 'username' | 'email';
      body: Record<string, unknown>;
    }

    let attempts: Attempt[];
    let responses: HttpResponse[];

    beforeAll(async () => {
      const tag = randomBytes(3).toString('hex');
      attempts = [];
      // 15 usernames, each tried 10 times in different letter cases, each time with a fresh email.
      for (let group = 0; group < USERNAME_GROUPS; group += 1) {
        for (let attempt = 0; attempt < TRIES; attempt += 1) {
          const username = mixCase(`race_${tag}_u${group}`, attempt * 7 + group);
          attempts.push({ group: `username ${group}`, kind: 'username', body: userInput({ username, email: `u${group}.${attempt}.${tag}@example.com` }) });
        }
      }
      // 5 emails, each tried 10 times in different letter cases, each time with a fresh username.
      for (let group = 0; group < EMAIL_GROUPS; group += 1) {
        for (let attempt = 0; attempt < TRIES; attempt += 1) {
          const email = mixCase(`Race.${tag}.e${group}@Example.com`, attempt * 5 + group + 1);
          attempts.push({ group: `email ${group}`, kind: 'email', body: userInput({ username: `race_${tag}_e${group}_${attempt}`, email }) });
        }
      }
      expect(attempts).toHaveLength(200);
      const order = shuffle(attempts.map((_, index) => index));
      const inFlight = new Array<Promise<HttpResponse>>(attempts.length);
      for (const index of order) inFlight[index] = ctx.api.post('/v1/users', attempts[index].body);
      responses = await Promise.all(inFlight);
    }, 60_000);

    it('answers every attempt with 201 or a 409 problem naming the colliding field, never a 5xx', () => {
      for (const [index, response] of responses.entries()) {
        checked(response, 'POST');
        if (response.status !== 201) {
          expect({ status: response.status, field: response.body.field }).toEqual({ status: 409, field: attempts[index].kind });
        }
      }
    });

    it('lets exactly one attempt per username and per email win', () => {
      const winners = new Map<string, number>();
      for (const [index, response] of responses.entries()) {
        if (response.status === 201) winners.set(attempts[index].group, (winners.get(attempts[index].group) ?? 0) + 1);
      }
      expect(winners.size).toBe(USERNAME_GROUPS + EMAIL_GROUPS);
      expect([...winners.values()].every((count) => count === 1)).toBe(true);
    });

    it('stores each winner as answered, and no two live users share a name or an email in any letter case', async () => {
      const created = responses.filter((response) => response.status === 201).map((response) => response.body);
      const rows = await sql(ctx.server, 'select id, username, email from users where id = any(array[?]::uuid[]) order by id', [created.map((user) => user.id)]);
      expect(rows).toEqual(created.map((user) => ({ id: user.id, username: user.username, email: user.email })).sort((a, b) => a.id.localeCompare(b.id)));
      const duplicates = await sql(
        ctx.server,
        `select kind, value, count(*)::int as n from (
           select 'username' as kind, lower(username) as value from users where deleted_at is null
           union all select 'email', lower(email) from users where deleted_at is null
         ) names group by kind, value having count(*) > 1`,
      );
      expect(duplicates).toEqual([]);
      // And nothing half-made: every user has exactly its first password in the history.
      const orphans = await sql(ctx.server, 'select u.id from users u left join password_history p on p.user_id = u.id where u.id = any(array[?]::uuid[]) group by u.id having count(p.id) <> 1', [
        created.map((user) => user.id),
      ]);
      expect(orphans).toEqual([]);
    });
  });

  describe('parallel updates of one user', () => {
    const WRITERS = 30;

    it.each([
      ['the user on themselves', 'self'],
      ['an admin', 'admin'],
    ] as const)('as %s: all 200, and the final row, the audit trail and the cached view agree with one acknowledged answer', async (_name, who) => {
      const target = await signedIn(ctx.server, ctx.api);
      const token = who === 'self' ? target.token : ctx.admin.token;
      const bodies = Array.from({ length: WRITERS }, (_, i) => ({ firstName: `First${i}`, lastName: `Last${i}`, phone: `+1415555${String(1000 + i)}` }));
      // Readers interleaved with the writers keep refilling the cache while it is being invalidated.
      const reads = Array.from({ length: WRITERS }, () => ctx.api.get(`/v1/users/${target.id}`, { token }));
      const writes = bodies.map((body) => ctx.api.patch(`/v1/users/${target.id}`, body, { token, headers: { 'content-type': 'application/merge-patch+json' } }));
      const [written, read] = await Promise.all([Promise.all(writes), Promise.all(reads)]);

      for (const response of [...written, ...read]) expect(checked(response, 'PATCH').status).toBe(200);
      // Every answer is internally consistent: one writer's three fields, never a mix.
      for (const [index, response] of written.entries()) {
        expect({ firstName: response.body.firstName, lastName: response.body.lastName, phone: response.body.phone }).toEqual(bodies[index]);
      }

      const [row] = await sql(ctx.server, 'select first_name as "firstName", last_name as "lastName", phone from users where id = ?', [target.id]);
      expect(bodies).toContainEqual(row);
      // Every update was recorded, none lost.
      const audited = await sql(ctx.server, "select count(*)::int as n from audit_logs where entity_id = ? and action = 'user.updated'", [target.id]);
      expect(audited[0].n).toBe(WRITERS);
      // The view served through the caches is the stored one, not a value read before the last write.
      const served = await ctx.api.get(`/v1/users/${target.id}`, { token });
      expect({ firstName: served.body.firstName, lastName: served.body.lastName, phone: served.body.phone }).toEqual(row);
      const viaGraphQL = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { firstName lastName phone } }', { id: target.id }, token);
      expect(viaGraphQL.data.user).toEqual(row);
    });
  });

  describe('parallel refreshes of one refresh token', () => {
    const RACERS = 20;

    it('REST: exactly one 200, every other a 401 problem, and the winner’s new token works', async () => {
      const user = await seedUser(ctx.server);
      const { refreshToken } = await login(ctx.api, user);
      const responses = await Promise.all(Array.from({ length: RACERS }, () => ctx.api.post('/v1/auth/refresh', { refreshToken })));
      for (const response of responses) checked(response, 'POST');
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, ...Array.from({ length: RACERS - 1 }, () => 401)]);

      // The losers were a race, not a theft: the session survives, and the winner can go on.
      const winner = responses.find((response) => response.status === 200)!.body;
      expect((await ctx.api.get('/v1/auth/validate', { token: winner.accessToken })).status).toBe(200);
      expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: winner.refreshToken })).status).toBe(200);
      expect((await sql(ctx.server, 'select count(*)::int as n from sessions where id = ?', [decodeToken(refreshToken).sid]))[0].n).toBe(1);
    });

    it('REST and GraphQL together: still exactly one success', async () => {
      const user = await seedUser(ctx.server);
      const { refreshToken } = await login(ctx.api, user);
      const rest = Array.from({ length: RACERS / 2 }, () => ctx.api.post('/v1/auth/refresh', { refreshToken }));
      const graphql = Array.from({ length: RACERS / 2 }, () =>
        ctx.api.request<GraphQLBody>('POST', '/graphql', { body: { query: 'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', variables: { t: refreshToken } } }),
      );
      const [restResponses, graphqlResponses] = await Promise.all([Promise.all(rest), Promise.all(graphql)]);
      for (const response of restResponses) checked(response, 'POST');
      const graphqlOutcomes = graphqlResponses.map((response) => {
        const refused = checkGraphQLResponse(response);
        if (refused) expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        return refused ? 'refused' : 'won';
      });
      const wins = restResponses.filter((response) => response.status === 200).length + graphqlOutcomes.filter((outcome) => outcome === 'won').length;
      expect(wins).toBe(1);
      expect(restResponses.every((response) => response.status === 200 || response.status === 401)).toBe(true);
    });
  });
});
