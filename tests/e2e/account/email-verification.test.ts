import type { SmtpSink } from '../mail/smtp-sink';
import type { ApiClient } from '../../support/http';
import type { TestServer } from '../../support/test-server';
import { login, seedUser, signedIn, userInput } from '../../support/factories';
import { UserRole } from '../../../src/users/user-role';
import { linkPath, linkToken, mailsTo, nextMail, startServerWithSmtp } from './mailbox';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('e-mail verification, over a real SMTP server', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: ApiClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ sink, server, api, stop } = await startServerWithSmtp({ PUBLIC_URL: 'https://accounts.example.test' }));
  });

  afterAll(() => stop());

  it('a sign-up gets one welcome mail whose link verifies the address, once', async () => {
    const input = userInput();
    const created = await api.post('/v1/users', input);
    expect(created.status).toBe(201);
    expect(created.body.emailVerified).toBe(false);
    const mail = await nextMail(sink, input.email);
    expect(mail.subject).toMatch(/welcome/i);
    expect(mail.html).toContain('verify-email?token=');
    expect(linkPath(mail)).toBe('/account/verify-email');
    expect(mail.text).toContain('https://accounts.example.test/account/verify-email?token=');

    const verified = await api.post('/v1/auth/email/verify', { token: linkToken(mail) });
    expect(verified.status).toBe(200);
    expect(verified.body.email).toBe(input.email.toLowerCase());
    const { token } = await login(api, input as never);
    expect((await api.get(`/v1/users/${created.body.id}`, { token })).body.emailVerified).toBe(true);

    const again = await api.post('/v1/auth/email/verify', { token: linkToken(mail) });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('TOKEN_USED');
    const viaGraphql = await api.graphql('mutation($t: String!) { verifyEmail(input: { token: $t }) { message } }', { t: linkToken(mail) });
    expect(viaGraphql.errors?.[0].extensions.code).toBe('TOKEN_USED');
    // One mail per sign-up, however long we wait.
    await delay(300);
    expect(mailsTo(sink, input.email)).toHaveLength(1);
  });

  it('wrong and malformed tokens get one clear code through both doors', async () => {
    for (const token of ['A'.repeat(43), 'short', '../../etc/passwd']) {
      const rest = await api.post('/v1/auth/email/verify', { token });
      expect([rest.status, rest.body.code]).toEqual([400, 'TOKEN_INVALID']);
      const graphql = await api.graphql('mutation($t: String!) { verifyEmail(input: { token: $t }) { message } }', { t: token });
      expect(graphql.errors?.[0].extensions.code).toBe('TOKEN_INVALID');
    }
    const missing = await api.post('/v1/auth/email/verify', {});
    expect(missing.status).toBe(422);
  });

  it('an expired link is refused as expired', async () => {
    const input = userInput();
    await api.post('/v1/users', input);
    const token = linkToken(await nextMail(sink, input.email));
    await server.orm.em.fork().getConnection().execute(`update one_time_tokens set expires_at = now() - interval '1 second' where purpose = 'verify_email'`);
    const expired = await api.post('/v1/auth/email/verify', { token });
    expect([expired.status, expired.body.code]).toEqual([400, 'TOKEN_EXPIRED']);
  });

  it('a signed-in user asks for a new link (GraphQL too); the older one stops working', async () => {
    const user = await signedIn(server, api, UserRole.USER);
    const asked = await api.post('/v1/auth/email/verify-request', {}, { token: user.token });
    expect(asked.status).toBe(202);
    const first = linkToken(await nextMail(sink, user.email, 1));
    const viaGraphql = await api.graphql('mutation { requestEmailVerification { message } }', {}, user.token);
    expect(viaGraphql.errors).toBeUndefined();
    const second = linkToken(await nextMail(sink, user.email, 2));
    expect((await api.post('/v1/auth/email/verify', { token: first })).body.code).toBe('TOKEN_EXPIRED');
    const ok = await api.graphql('mutation($t: String!) { verifyEmail(input: { token: $t }) { email } }', { t: second });
    expect(ok.data?.verifyEmail.email).toBe(user.email);
    const already = await api.post('/v1/auth/email/verify-request', {}, { token: user.token });
    expect(already.status).toBe(409);
  });

  it('asking for a link needs a sign-in, and is limited per address', async () => {
    expect((await api.post('/v1/auth/email/verify-request', {})).status).toBe(401);
    const user = await signedIn(server, api, UserRole.USER);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await api.post('/v1/auth/email/verify-request', {}, { token: user.token })).status);
    // RATE_LIMIT_EMAIL_PER_ADDRESS defaults to 3 an hour.
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
  });

  it('an admin creating an account with sendEmail: false sends nothing; a verified one gets no link', async () => {
    const admin = await signedIn(server, api, UserRole.ADMIN);
    const quiet = userInput();
    expect((await api.post('/v1/users', { ...quiet, sendEmail: false }, { token: admin.token })).status).toBe(201);
    const vouched = userInput();
    expect((await api.post('/v1/users', { ...vouched, emailVerified: true }, { token: admin.token })).status).toBe(201);
    const loud = userInput();
    expect((await api.post('/v1/users', loud, { token: admin.token })).status).toBe(201);
    await nextMail(sink, loud.email);
    await delay(300);
    expect(mailsTo(sink, quiet.email)).toHaveLength(0);
    expect(mailsTo(sink, vouched.email)).toHaveLength(0);
  });

  it('a sign-up that fails sends nothing', async () => {
    const taken = await seedUser(server);
    const clash = userInput({ username: taken.username });
    expect((await api.post('/v1/users', clash)).status).toBe(409);
    await delay(500);
    expect(mailsTo(sink, clash.email)).toHaveLength(0);
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: ApiClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ sink, server, api, stop } = await startServerWithSmtp({ REQUIRE_VERIFIED_EMAIL: 'true' }));
  });

  afterAll(() => stop());

  it('refuses a sign-in with a distinct code until the address is confirmed, on both doors', async () => {
    const input = userInput();
    expect((await api.post('/v1/users', input)).status).toBe(201);
    const refused = await api.post('/v1/auth/login', { username: input.username, password: input.password });
    expect([refused.status, refused.body.code]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    const graphql = await api.graphql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }', { u: input.username, p: input.password });
    expect(graphql.errors?.[0].extensions.code).toBe('EMAIL_NOT_VERIFIED');
    // A wrong password is still the one answer for every cause: the code tells nothing to a guesser.
    const wrong = await api.post('/v1/auth/login', { username: input.username, password: 'Wrong-passw0rd!' });
    expect(wrong.status).toBe(401);

    await api.post('/v1/auth/email/verify', { token: linkToken(await nextMail(sink, input.email)) });
    expect((await api.post('/v1/auth/login', { username: input.username, password: input.password })).status).toBe(200);
  });
});
