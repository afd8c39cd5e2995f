import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { listDevMailbox, readDevMail } from '../../src/mail/dev-mailbox';
import { Mailer } from '../../src/mail/mailer';

describe('Mailer without SMTP_URL (the development mailbox)', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'uma-mail-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes each mail to DATA_DIR/mail as .eml, logs its link at INFO, and lists it newest first', async () => {
    const logs: { object: object; message: string }[] = [];
    const mailer = new Mailer({ from: '"Acme" <no-reply@acme.example>', appName: 'Acme', dataDir }, { info: (object, message) => logs.push({ object, message }) });
    expect(mailer.mode).toBe('files');
    expect(await listDevMailbox(dataDir)).toEqual([]);
    const verifyUrl = 'http://localhost:8000/account/verify-email?token=abc';
    const first = await mailer.send({ template: 'welcome', to: 'ada@example.com', params: { name: 'Ada', verifyUrl } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await mailer.send({ template: 'password-reset', to: 'bob@example.com', params: { name: 'Bob', resetUrl: 'http://localhost:8000/account/reset-password?token=def', expiresInMinutes: 30 } });

    expect(first.file).toMatch(new RegExp(`^${join(dataDir, 'mail')}/.+\\.eml$`));
    expect(readdirSync(join(dataDir, 'mail')).filter((name) => name.endsWith('.eml'))).toHaveLength(2);
    const parsed = await simpleParser(readFileSync(first.file!));
    expect(parsed.from?.text).toBe('"Acme" <no-reply@acme.example>');
    expect(parsed.subject).toBe('Welcome to Acme: please confirm your e-mail address');
    expect(parsed.text).toContain(verifyUrl);
    expect(parsed.html).toContain(`href="${verifyUrl}"`);

    expect(logs[0].message).toContain(verifyUrl);
    expect(logs[0].object).toEqual({ mail: { to: 'ada@example.com', subject: parsed.subject, file: first.file, links: [verifyUrl] } });

    const listed = await listDevMailbox(dataDir);
    expect(listed.map((mail) => [mail.to, mail.template])).toEqual([['bob@example.com', 'password-reset'], ['ada@example.com', 'welcome']]);
    expect(listed[1].links).toEqual([verifyUrl]);
    expect((await readDevMail(dataDir, listed[1].id))?.equals(readFileSync(first.file!))).toBe(true);
    expect(await readDevMail(dataDir, '../../etc/passwd')).toBeUndefined();
    expect(await readDevMail(dataDir, 'no-such-mail')).toBeUndefined();
  });
});
