import { MAIL_TEMPLATE_NAMES, MailRenderer, maskAddress, UnknownMailTemplateError, type MailTemplateName, type MailTemplates } from '../../src/mail/mail.templates';

const renderer = new MailRenderer('Acme Accounts');
const TOKEN = 'tOk3n_-tOk3n_-tOk3n_-tOk3n_-tOk3n_-tOk3n_-x';
const PARAMS: MailTemplates = {
  welcome: { name: 'Ada', verifyUrl: `https://app.example/account/verify-email?token=${TOKEN}` },
  'verify-email': { name: 'Ada', verifyUrl: `https://app.example/account/verify-email?token=${TOKEN}` },
  'password-reset': { name: 'Ada', resetUrl: `https://app.example/account/reset-password?token=${TOKEN}`, expiresInMinutes: 30 },
  'email-change-confirm': { name: 'Ada', confirmUrl: `https://app.example/account/confirm-email?token=${TOKEN}`, newEmail: 'ada.new@example.com' },
  'email-changed-notice': { name: 'Ada', newEmail: 'ada.new@example.com' },
};

describe('MailRenderer', () => {
  it.each(MAIL_TEMPLATE_NAMES)('renders %s with a subject, a text part and a full HTML document naming the app', (name) => {
    const mail = renderer.render(name, PARAMS[name] as never);
    expect(mail.subject).toMatch(/Acme Accounts/);
    expect(mail.text).toMatch(/^Hello Ada,/);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain('Acme Accounts');
    expect(mail.html).toContain('Hello Ada,');
  });

  it.each(['welcome', 'verify-email', 'password-reset', 'email-change-confirm'] as MailTemplateName[])('puts the link of %s in both parts, as a button and in full', (name) => {
    const url = Object.values(PARAMS[name]).find((value) => typeof value === 'string' && value.startsWith('https://')) as string;
    const mail = renderer.render(name, PARAMS[name] as never);
    expect(mail.text).toContain(url);
    expect(mail.html.split(`href="${url}"`)).toHaveLength(3);
  });

  it('tells how long a reset link works', () => {
    expect(renderer.render('password-reset', PARAMS['password-reset']).text).toContain('30 minutes');
  });

  it('sends the old address a notice with no link and no secret, the new address only masked', () => {
    for (const applied of [false, true]) {
      const mail = renderer.render('email-changed-notice', { ...PARAMS['email-changed-notice'], applied });
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/https?:\/\//);
        expect(part).not.toContain('token');
        expect(part).not.toContain('ada.new@');
      }
      expect(mail.text).toContain('a*****w@example.com');
      expect(mail.subject).toMatch(applied ? /was changed/ : /is being changed/);
    }
  });

  it('escapes values in HTML, and keeps them to one line in the subject and text', () => {
    const mail = renderer.render('verify-email', { name: '<b>Eve</b>\r\nBcc: victim@example.com', verifyUrl: 'https://app.example/v?token=a&b="x"' });
    expect(mail.html).toContain('&lt;b&gt;Eve&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>Eve');
    expect(mail.html).toContain('href="https://app.example/v?token=a&amp;b=&quot;x&quot;"');
    expect(mail.text).toContain('Hello <b>Eve</b> Bcc: victim@example.com,');
    const hostile = renderer.render('email-change-confirm', { name: 'x', confirmUrl: 'https://a', newEmail: 'a@b.c\nBcc: z@z.z' });
    expect(hostile.subject).not.toMatch(/[\r\n]/);
  });

  it('refuses an unknown template', () => {
    expect(() => renderer.render('nope' as MailTemplateName, {} as never)).toThrow(UnknownMailTemplateError);
  });
});

describe('maskAddress', () => {
  it.each([
    ['someone@example.com', 's*****e@example.com'],
    ['ab@example.com', 'a*@example.com'],
    ['a@example.com', 'a*@example.com'],
    ['abc@example.com', 'a*c@example.com'],
    ['nonsense', '***'],
  ])('%s -> %s', (address, masked) => expect(maskAddress(address)).toBe(masked));
});
