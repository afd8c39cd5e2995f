import type { SmtpSink } from '../mail/smtp-sink';
import { ApiClient } from '../../support/http';
import { startTestServer, type TestServer } from '../../support/test-server';
import { login, seedUser, signedIn } from '../../support/factories';
import { UserRole } from '../../../src/users/user-role';
import { linkPath, linkToken, mailsTo, nextMail, startServerWithSmtp } from './mailbox';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NEW_PASSWORD = 'Brand-new-passw0rd!';

/** What a response says apart from what must differ between any two responses (ids, dates). */
function comparable(response: { status: number; body: unknown; headers: Headers }) {
  const headers = Object.fromEntries([...response.headers.entries()].filter(([name]) => !['date', 'x-request-id', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit', 'ratelimit-policy'].includes(name)));
  return { status: response.status, body: response.body, headers };
}

describe('password reset, over a real SMTP server', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: ApiClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ sink, server, api, stop } = await startServerWithSmtp());
  });

  afterAll(() => stop());

  it('answers a known and an unknown address alike, and mails only the known one', async () => {
    const user = await seedUser(server);
    const unknown = `nobody-${Date.now()}@example.com`;
    const known = await api.post('/v1/auth/password/forgot', { email: user.email.toUpperCase() });
    const stranger = await api.post('/v1/auth/password/forgot', { email: unknown });
    expect(comparable(known)).toEqual(comparable(stranger));
    expect(known.status).toBe(202);
    const mail = await nextMail(sink, user.email);
    expect(linkPath(mail)).toBe('/account/reset-password');
    expect(mail.text).toContain('30 minutes');
    await delay(500);
    expect(mailsTo(sink, unknown)).toHaveLength(0);
  });

  it('takes about the same time for a known and an unknown address (the lookup happens after the answer)', async () => {
    const user = await seedUser(server);
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      await api.post('/v1/auth/password/forgot', { email });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    // Interleaved, so a busy moment of the machine hits both (three known calls stay within the per-address limit).
    for (let i = 0; i < 3; i += 1) {
      knownTimes.push(await time(user.email));
      unknownTimes.push(await time(`ghost-${i}-${Date.now()}@example.com`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    // Both paths do the same work before answering (one job row). The bound is the machine's noise
    // under a loaded test run, not a speed goal: an argon2 hash or a mail sent inline would exceed it.
    expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(150);
  });

  it('sets the new password, ends every session, and the link works once', async () => {
    const user = await signedIn(server, api, UserRole.USER);
    await api.post('/v1/auth/password/forgot', { email: user.email });
    const token = linkToken(await nextMail(sink, user.email));

    const weak = await api.post('/v1/auth/password/reset', { token, newPassword: 'short' });
    expect(weak.status).toBe(422);
    const same = await api.post('/v1/auth/password/reset', { token, newPassword: user.password });
    expect(same.status).toBe(422);
    expect(JSON.stringify(same.body.errors)).toMatch(/differ from the last/);

    const reset = await api.post('/v1/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect(reset.status).toBe(200);
    expect((await api.get('/v1/auth/validate', { token: user.token })).status).toBe(401);
    expect((await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await api.post('/v1/auth/login', { username: user.username, password: user.password })).status).toBe(401);
    const { token: fresh } = await login(api, { username: user.username, password: NEW_PASSWORD });
    // The link reached the account's address: the reset proved the mailbox too.
    expect((await api.get(`/v1/users/${user.id}`, { token: fresh })).body.emailVerified).toBe(true);

    const again = await api.post('/v1/auth/password/reset', { token, newPassword: 'Another-passw0rd!' });
    expect([again.status, again.body.code]).toEqual([400, 'TOKEN_USED']);
    const audited: { action: string }[] = await server.orm.em.fork().getConnection().execute(`select action from audit_logs where entity_id = '${user.id}' and action like 'auth.password_reset%' order by created_at`);
    expect(audited.map((row) => row.action)).toEqual(['auth.password_reset_requested', 'auth.password_reset']);
  });

  it('of two resets with one link in parallel, exactly one wins', async () => {
    const user = await seedUser(server);
    await api.post('/v1/auth/password/forgot', { email: user.email });
    const token = linkToken(await nextMail(sink, user.email));
    const results = await Promise.all(['First-parallel-1!', 'Second-parallel-2!'].map((newPassword) => api.post('/v1/auth/password/reset', { token, newPassword })));
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    expect(results.find((result) => result.status === 400)?.body.code).toBe('TOKEN_USED');
  });

  it('a newer link, or a password change, makes an older link stop working', async () => {
    const user = await signedIn(server, api, UserRole.USER);
    await api.post('/v1/auth/password/forgot', { email: user.email });
    const first = linkToken(await nextMail(sink, user.email, 1));
    await api.post('/v1/auth/password/forgot', { email: user.email });
    const second = linkToken(await nextMail(sink, user.email, 2));
    expect((await api.post('/v1/auth/password/reset', { token: first, newPassword: NEW_PASSWORD })).body.code).toBe('TOKEN_EXPIRED');
    const changed = await api.post(`/v1/users/${user.id}/password`, { currentPassword: user.password, newPassword: NEW_PASSWORD }, { token: user.token });
    expect(changed.status).toBe(204);
    expect((await api.post('/v1/auth/password/reset', { token: second, newPassword: 'Yet-another-1!' })).body.code).toBe('TOKEN_EXPIRED');
  });

  it('works through GraphQL too', async () => {
    const user = await seedUser(server);
    const asked = await api.graphql('mutation($e: String!) { requestPasswordReset(input: { email: $e }) { message } }', { e: user.email });
    expect(asked.data?.requestPasswordReset.message).toMatch(/If an account uses this address/);
    const token = linkToken(await nextMail(sink, user.email));
    const reset = await api.graphql('mutation($t: String!, $p: String!) { resetPassword(input: { token: $t, newPassword: $p }) { message } }', { t: token, p: NEW_PASSWORD });
    expect(reset.errors).toBeUndefined();
    await login(api, { username: user.username, password: NEW_PASSWORD });
    const reused = await api.graphql('mutation($t: String!, $p: String!) { resetPassword(input: { token: $t, newPassword: $p }) { message } }', { t: token, p: 'Other-passw0rd!' });
    expect(reused.errors?.[0].extensions.code).toBe('TOKEN_USED');
  });

  it('mails an address at most 3 times an hour, and the caller cannot tell', async () => {
    const user = await seedUser(server);
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await api.post('/v1/auth/password/forgot', { email: user.email }));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    await nextMail(sink, user.email, 3);
    await delay(1000);
    expect(mailsTo(sink, user.email)).toHaveLength(3);
  });

  it('sends nothing for a deactivated account', async () => {
    const user = await seedUser(server, { isActive: false });
    expect((await api.post('/v1/auth/password/forgot', { email: user.email })).status).toBe(202);
    await delay(1000);
    expect(mailsTo(sink, user.email)).toHaveLength(0);
  });
});

describe('the forgot-password limit per IP', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_EMAIL_PER_IP: '2/60' });
    api = new ApiClient(server.url);
  });

  afterAll(() => server.stop());

  it('is a 429 with Retry-After past the limit, on both doors (one bucket)', async () => {
    expect((await api.post('/v1/auth/password/forgot', { email: 'a@example.com' })).status).toBe(202);
    expect((await api.graphql('mutation { requestPasswordReset(input: { email: "b@example.com" }) { message } }')).errors).toBeUndefined();
    const limited = await api.post('/v1/auth/password/forgot', { email: 'c@example.com' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
