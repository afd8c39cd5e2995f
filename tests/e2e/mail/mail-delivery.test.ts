import { JobQueue } from '../../../src/jobs/job.queue';
import { MAIL_SEND_QUEUE, mailSendHandler, mailSendQueue } from '../../../src/mail/mail-send.job';
import { Mailer, type MailMessage } from '../../../src/mail/mailer';
import { connectDatabase, type Orm } from '../../../src/platform/db/database';
import { createScratchDatabase, eventually } from '../../support/scratch-database';
import { freePort, SmtpSink } from './smtp-sink';

const silent = { info: () => undefined };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const verifyUrl = 'http://localhost:8000/account/verify-email?token=T0k3n';
const welcome = (to: string): MailMessage => ({ template: 'welcome', to, params: { name: 'Ada', verifyUrl } });

describe('mail over a real SMTP server', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let orm: Orm;
  let sink: SmtpSink;
  let jobs: JobQueue | undefined;
  let mailer: Mailer | undefined;

  /** The mail queue with retries a second or two apart instead of ten. */
  async function startMailQueue(): Promise<JobQueue> {
    mailer = new Mailer({ smtpUrl: sink.url, from: '"Acme" <no-reply@acme.example>', appName: 'Acme', dataDir: '/nonexistent' }, silent);
    jobs = new JobQueue({ connectionString: database.url, queues: [{ ...mailSendQueue, retryDelaySeconds: 0, retryLimit: 4 }], poolMax: 3 });
    jobs.handle(MAIL_SEND_QUEUE, mailSendHandler(mailer), { pollIntervalMs: 100 });
    await jobs.start();
    return jobs;
  }

  beforeAll(async () => {
    database = await createScratchDatabase('mail');
    orm = await connectDatabase({ databaseUrl: database.url, poolMax: 2 });
  });

  beforeEach(async () => {
    sink = new SmtpSink(await freePort());
  });

  afterEach(async () => {
    await sink.stop();
    mailer?.close();
    mailer = undefined;
    if (jobs) {
      await jobs.stop({ timeoutMs: 1000 });
      jobs = undefined;
      // Each test starts from an empty mail queue.
      await orm.em.fork().execute(`delete from pgboss.job where name like 'mail.send%'`);
    }
  });

  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  it('sends a text and an HTML part with the link, from MAIL_FROM', async () => {
    await sink.start();
    const direct = new Mailer({ smtpUrl: sink.url, from: '"Acme" <no-reply@acme.example>', appName: 'Acme', dataDir: '/nonexistent' }, silent);
    try {
      expect(direct.mode).toBe('smtp');
      await direct.send(welcome('ada@example.com'));
    } finally {
      direct.close();
    }
    expect(sink.messages).toHaveLength(1);
    const [mail] = sink.messages;
    expect(mail.from?.text).toBe('"Acme" <no-reply@acme.example>');
    expect(mail.to && !Array.isArray(mail.to) && mail.to.text).toBe('ada@example.com');
    expect(mail.subject).toBe('Welcome to Acme: please confirm your e-mail address');
    expect(mail.text).toContain(verifyUrl);
    expect(mail.html).toContain(`href="${verifyUrl}"`);
  });

  it('SMTP down: the job waits and retries; once SMTP is back the mail is sent, once', async () => {
    const queue = await startMailQueue();
    await queue.enqueue(MAIL_SEND_QUEUE, welcome('down@example.com'));
    await eventually(async () => expect((await queue.stats())[0]).toMatchObject({ queued: 1, active: 0 }));
    await delay(300);
    expect(sink.messages).toHaveLength(0);
    await sink.start();
    await eventually(() => expect(sink.messages).toHaveLength(1), 20_000);
    await delay(1500);
    expect(sink.messages.map((mail) => mail.subject)).toEqual(['Welcome to Acme: please confirm your e-mail address']);
    expect(await queue.deadLetters(MAIL_SEND_QUEUE)).toEqual([]);
  }, 30_000);

  it('SMTP answering 4xx then 250: retried, delivered once', async () => {
    sink.verdict = (_address, attempt) => (attempt === 1 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : 'accept');
    await sink.start();
    const queue = await startMailQueue();
    await queue.enqueue(MAIL_SEND_QUEUE, welcome('grey@example.com'));
    await eventually(() => expect(sink.messages).toHaveLength(1), 20_000);
    await delay(1500);
    expect(sink.rcptAttempts).toEqual(['grey@example.com', 'grey@example.com']);
    expect(sink.messages).toHaveLength(1);
    expect(await queue.deadLetters(MAIL_SEND_QUEUE)).toEqual([]);
  }, 30_000);

  it('SMTP answering 5xx: straight to the dead letter, not retried', async () => {
    sink.verdict = () => ({ code: 550, message: '5.1.1 No such user' });
    await sink.start();
    const queue = await startMailQueue();
    await queue.enqueue(MAIL_SEND_QUEUE, welcome('nobody@example.com'));
    await eventually(async () => expect(await queue.deadLetters(MAIL_SEND_QUEUE)).toHaveLength(1), 20_000);
    const [dead] = await queue.deadLetters(MAIL_SEND_QUEUE);
    expect(dead.error).toMatch(/^PermanentJobError: .*550/);
    await delay(2500);
    expect(sink.rcptAttempts).toEqual(['nobody@example.com']);
    expect(sink.messages).toEqual([]);
    expect((await queue.stats()).find((stats) => stats.queue === 'mail.send.dead')).toMatchObject({ queued: 1 });
  }, 30_000);

  it('a mail enqueued in a transaction that rolls back is never sent; a committed one is', async () => {
    await sink.start();
    const queue = await startMailQueue();
    await expect(
      orm.em.fork().transactional(async (em) => {
        await queue.enqueue(MAIL_SEND_QUEUE, welcome('rolled-back@example.com'), { db: em });
        throw new Error('sign-up failed');
      }),
    ).rejects.toThrow('sign-up failed');
    await orm.em.fork().transactional((em) => queue.enqueue(MAIL_SEND_QUEUE, welcome('committed@example.com'), { db: em }));
    queue.wake(MAIL_SEND_QUEUE);
    await eventually(() => expect(sink.messages).toHaveLength(1));
    await delay(1500);
    expect(sink.rcptAttempts).toEqual(['committed@example.com']);
  }, 30_000);
});
