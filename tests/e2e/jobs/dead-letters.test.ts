import { UserRole } from '../../../src/users/user-role';
import { signedIn, userInput, type SignedIn } from '../../support/factories';
import type { ApiClient } from '../../support/http';
import type { TestServer } from '../../support/test-server';
import { eventually } from '../../support/scratch-database';
import type { SmtpSink } from '../mail/smtp-sink';
import { nextMail, startServerWithSmtp } from '../account/mailbox';

const METRICS_TOKEN = 'metrics-token-dead-letters-0123';

/** A mail the SMTP server refuses for good lands in mail.send.dead, where admins see it and send it back. */
describe('dead letters of the mail queue', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;
  let stop: () => Promise<void>;
  const refused = new Set<string>();

  beforeAll(async () => {
    ({ sink, server, api, stop } = await startServerWithSmtp({ METRICS_TOKEN }));
    sink.verdict = (address) => (refused.has(address) ? { code: 550, message: 'No such mailbox' } : 'accept');
    admin = await signedIn(server, api, UserRole.ADMIN);
  });

  afterAll(() => stop());

  it('lists a refused mail for admins, without its data, and sends it back once the cause is fixed', async () => {
    const input = userInput();
    refused.add(input.email.toLowerCase());
    expect((await api.post('/v1/users', input)).status).toBe(201);

    let letters: { id: string; queue: string; error: string | null; createdAt: string }[] = [];
    await eventually(async () => {
      letters = (await api.get('/v1/jobs/mail.send/dead-letters', { token: admin.token })).body.data;
      expect(letters).toHaveLength(1);
    }, 20_000);
    expect(letters[0]).toEqual({ id: expect.any(String), queue: 'mail.send', createdAt: expect.any(String), error: expect.stringMatching(/550/) });
    const listed = JSON.stringify(letters);
    expect(listed).not.toContain(input.email.toLowerCase());
    expect(listed).not.toMatch(/token=/);

    const viaGraphql = await api.graphql('{ deadLetters(queue: "mail.send") { id error } }', {}, admin.token);
    expect(viaGraphql.data?.deadLetters).toEqual([{ id: letters[0].id, error: letters[0].error }]);
    const metrics = (await api.get('/metrics', { token: METRICS_TOKEN })).text;
    expect(metrics).toMatch(/jobs_queued\{queue="mail\.send\.dead"\} 1/);

    refused.clear();
    const retried = await api.post(`/v1/jobs/mail.send/dead-letters/${letters[0].id}/retry`, {}, { token: admin.token });
    expect(retried.status).toBe(202);
    await nextMail(sink, input.email.toLowerCase());
    expect((await api.get('/v1/jobs/mail.send/dead-letters', { token: admin.token })).body.data).toEqual([]);
    expect((await api.post(`/v1/jobs/mail.send/dead-letters/${letters[0].id}/retry`, {}, { token: admin.token })).status).toBe(404);
  });

  it('is for admins only, and names the queues it knows', async () => {
    const user = await signedIn(server, api, UserRole.USER);
    const moderator = await signedIn(server, api, UserRole.MODERATOR);
    expect((await api.get('/v1/jobs/mail.send/dead-letters')).status).toBe(401);
    expect((await api.get('/v1/jobs/mail.send/dead-letters', { token: user.token })).status).toBe(403);
    expect((await api.get('/v1/jobs/mail.send/dead-letters', { token: moderator.token })).status).toBe(403);
    expect((await api.graphql('{ deadLetters(queue: "mail.send") { id } }', {}, user.token)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await api.post('/v1/jobs/mail.send/dead-letters/00000000-0000-4000-8000-000000000000/retry', {}, { token: user.token })).status).toBe(403);
    const unknown = await api.get('/v1/jobs/pgboss.secret/dead-letters', { token: admin.token });
    expect(unknown.status).toBe(422);
    expect((await api.post('/v1/jobs/mail.send/dead-letters/not-a-uuid/retry', {}, { token: admin.token })).status).toBe(400);
  });
});
