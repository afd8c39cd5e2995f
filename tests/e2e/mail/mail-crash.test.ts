import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { Client } from 'pg';
import { useApiProcesses } from '../../support/api-process';
import { userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { eventually } from '../../support/scratch-database';
import { PG_ADMIN_URL, startTestServer, type TestServer } from '../../support/test-server';
import { freePort, type RcptVerdict, SmtpSink } from './smtp-sink';

// Every wait below is for an event with its own deadline; this only bounds a stuck test.
jest.setTimeout(180_000);

const PUBLIC_URL = 'https://users.example.test';
const VERIFY_LINK = /https:\/\/users\.example\.test\/account\/verify-email\?token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface MailJob {
  name: string;
  state: string;
  retry_count: number;
}

/** The rows of pgboss.job (mail.send and mail.send.dead) whose mail goes to `address`, oldest first. */
async function mailJobsTo(databaseUrl: string, address: string): Promise<MailJob[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<MailJob>(
      `select name, state::text as state, retry_count from pgboss.job where name like 'mail.send%' and data->>'to' = $1 order by created_on, id`,
      [address],
    );
    return rows;
  } finally {
    await client.end();
  }
}

function databaseUrlOf(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const mailsTo = (sink: SmtpSink, address: string): ParsedMail[] =>
  sink.messages.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.value.some((to) => to.address === address));

/** Exactly one mail to `address` reaches the sink before the deadline, and a few seconds later it is still one. */
async function exactlyOneMailTo(sink: SmtpSink, address: string, deadlineMs: number): Promise<ParsedMail> {
  await eventually(() => expect(mailsTo(sink, address)).toHaveLength(1), deadlineMs, 100);
  await delay(3000);
  const mails = mailsTo(sink, address);
  expect(mails).toHaveLength(1);
  return mails[0];
}

function tokenOf(mail: ParsedMail): string {
  const match = VERIFY_LINK.exec(mail.text ?? '');
  if (!match) throw new Error(`no verification link in the mail: ${mail.text}`);
  return match[1];
}

describe('kill -9 between the sign-up commit and the send', () => {
  const { stores, start } = useApiProcesses();
  let sink: SmtpSink | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    try {
      await sink?.stop();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the committed welcome mail still goes out, once, from the next instance; its link verifies the address', async () => {
    sink = new SmtpSink(await freePort());
    dataDir = mkdtempSync(join(tmpdir(), 'uma-mail-crash-'));
    const port = await freePort();
    // Both instances get the very same settings, as a restarted replica would.
    const env = {
      SMTP_URL: sink.url,
      PUBLIC_URL,
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: dataDir,
      ADMIN_GENERATE: 'false',
    };
    const first = await start(env, port);

    // SMTP is down (nothing listens on the sink's port): the sign-up commits, the send fails.
    const input = userInput();
    const signup = await new ApiClient(first.url).post('/v1/users', input);
    expect({ status: signup.status, body: signup.body }).toMatchObject({ status: 201, body: { email: input.email, emailVerified: false } });
    await eventually(async () => expect(await mailJobsTo(stores.databaseUrl, input.email)).toEqual([{ name: 'mail.send', state: 'retry', retry_count: 1 }]), 30_000, 100);

    first.signal('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(sink.rcptAttempts).toEqual([]);

    await sink.start();
    const second = await start(env, port);

    // The retry is due 10 s + backoff after the failed attempt.
    const mail = await exactlyOneMailTo(sink, input.email, 60_000);
    expect(sink.messages).toHaveLength(1);
    expect(mail.subject).toMatch(/^Welcome to /);

    const api = new ApiClient(second.url);
    const verified = await api.post('/v1/auth/email/verify', { token: tokenOf(mail) });
    expect({ status: verified.status, body: verified.body }).toMatchObject({ status: 200 });
    const login = await api.post('/v1/auth/login', { username: input.username, password: input.password });
    expect(login.status).toBe(200);
    const me = await api.get(`/v1/users/${signup.body.id}`, { token: login.body.accessToken });
    expect({ status: me.status, emailVerified: me.body.emailVerified }).toEqual({ status: 200, emailVerified: true });

    // Completed (sent jobs are deleted only after an hour), and no dead letter.
    const jobs = await mailJobsTo(stores.databaseUrl, input.email);
    expect(jobs.map(({ name, state }) => ({ name, state }))).toEqual([{ name: 'mail.send', state: 'completed' }]);
  });
});

describe('sign-up mails through an in-process server and a real SMTP server', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: ApiClient;
  /** What the sink answers to RCPT TO, per address and per attempt at that address (accept when unlisted). */
  const rules = new Map<string, (attempt: number) => RcptVerdict>();
  const attemptsAt = (address: string) => sink.rcptAttempts.filter((attempt) => attempt === address).length;

  beforeAll(async () => {
    sink = new SmtpSink(await freePort());
    sink.verdict = (address) => rules.get(address)?.(attemptsAt(address)) ?? 'accept';
    await sink.start();
    server = await startTestServer({ SMTP_URL: sink.url, PUBLIC_URL });
    api = new ApiClient(server.url);
  }, 60_000);
  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      await sink?.stop();
    }
  });

  const jobsTo = (address: string) => mailJobsTo(databaseUrlOf(server.databaseName), address);

  it('SMTP answering 451 then 250: the welcome mail is retried and arrives once', async () => {
    const input = userInput();
    rules.set(input.email, (attempt) => (attempt === 1 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : 'accept'));
    expect((await api.post('/v1/users', input)).status).toBe(201);

    const mail = await exactlyOneMailTo(sink, input.email, 40_000);
    expect(attemptsAt(input.email)).toBe(2);
    expect(tokenOf(mail)).toHaveLength(43);
    expect(await jobsTo(input.email)).toEqual([{ name: 'mail.send', state: 'completed', retry_count: 1 }]);
  });

  it('SMTP answering 550: the job goes to mail.send.dead, nothing is sent, the user exists and signs in', async () => {
    const input = userInput();
    rules.set(input.email, () => ({ code: 550, message: '5.1.1 No such user' }));
    const signup = await api.post('/v1/users', input);
    expect(signup.status).toBe(201);

    await eventually(async () => expect((await jobsTo(input.email)).filter((job) => job.name === 'mail.send.dead')).toHaveLength(1), 20_000, 100);
    const jobs = await jobsTo(input.email);
    // The original failed for good on its first attempt: it will not be retried.
    expect(jobs).toEqual([
      { name: 'mail.send', state: 'failed', retry_count: 0 },
      { name: 'mail.send.dead', state: 'created', retry_count: 0 },
    ]);
    expect(attemptsAt(input.email)).toBe(1);
    expect(mailsTo(sink, input.email)).toEqual([]);

    const login = await api.post('/v1/auth/login', { username: input.username, password: input.password });
    expect(login.status).toBe(200);
    const me = await api.get(`/v1/users/${signup.body.id}`, { token: login.body.accessToken });
    expect({ status: me.status, email: me.body.email }).toEqual({ status: 200, email: input.email });
  });

  it('a sign-up rolled back by a taken username sends nothing; the committed one sends its mail once', async () => {
    const kept = userInput();
    const refused = userInput({ username: kept.username });
    expect((await api.post('/v1/users', kept)).status).toBe(201);
    const second = await api.post('/v1/users', refused);
    expect(second.status).toBe(409);

    await exactlyOneMailTo(sink, kept.email, 30_000);
    expect(attemptsAt(refused.email)).toBe(0);
    expect(mailsTo(sink, refused.email)).toEqual([]);
    expect(await jobsTo(refused.email)).toEqual([]);
  });
});
