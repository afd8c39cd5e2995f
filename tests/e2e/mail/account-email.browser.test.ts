import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import type { DevMail } from '../../../src/mail/dev-mailbox';
import { browserMissing, launchChromium } from '../../support/browser';
import { userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { startTestServer, type TestServer } from '../../support/test-server';

/** A port free now, so PUBLIC_URL (where the links in mails point) can name it before the server starts. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

const missing = browserMissing();
const MAIL_DEADLINE_MS = 15_000;
const NEW_PASSWORD = 'Fresh-h0rse-battery-staple';

/**
 * The e-mail flows as a newcomer meets them, in Debian's Chromium: no SMTP_URL, so mails land in
 * DATA_DIR/mail and /dev/mail shows them; the links in them open the /account pages, which only
 * act on a button press, and whose results the API then reports.
 */
(missing ? describe.skip : describe)('the e-mail links through /dev/mail and the account pages, in Chromium', () => {
  let dataDir: string;
  let server: TestServer;
  let api: ApiClient;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const posts: Request[] = [];
  const account = userInput();
  let userId: string;
  let resetLink: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'uma-mail-browser-'));
    const port = await freePort();
    origin = `http://localhost:${port}`;
    server = await startTestServer({ PORT: String(port), PUBLIC_URL: origin, DATA_DIR: dataDir });
    api = new ApiClient(server.url);

    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The mail queue sends asynchronously: the mailbox is polled until the mail is there, or the deadline. */
  async function mailTo(address: string, template: string): Promise<DevMail> {
    const deadline = Date.now() + MAIL_DEADLINE_MS;
    for (;;) {
      const listing = await api.get<{ data: DevMail[] }>('/dev/mail.json');
      if (listing.status === 404) throw new Error('/dev/mail.json is 404: devMailRouter is not mounted (src/app/http-app.ts mounts it when mails go to files, outside production)');
      const found = listing.status === 200 ? listing.body.data.find((mail) => mail.to === address && mail.template === template) : undefined;
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${template} mail to ${address} within ${MAIL_DEADLINE_MS} ms; /dev/mail.json answered ${listing.status} ${listing.text}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Opens /dev/mail and clicks the first link of the mail of that template to that address. */
  async function followLinkOnDevMail(address: string, template: string): Promise<void> {
    const mail = await mailTo(address, template);
    await page.goto(`${origin}/dev/mail`);
    const row = page.locator(`#mails tbody tr[data-id="${mail.id}"]`);
    await expect(row.locator('td.to').textContent()).resolves.toBe(address);
    await row.locator('td.links a').first().click();
  }

  const postsTo = (path: string) => posts.filter((request) => new URL(request.url()).pathname === path);

  it('signs up through the API, and the welcome mail is listed on /dev/mail', async () => {
    const created = await api.post('/v1/users', account);
    expect(created.status).toBe(201);
    userId = created.body.id;
    expect(created.body.emailVerified).toBe(false);

    const welcome = await mailTo(account.email, 'welcome');
    expect(welcome.links).toEqual([expect.stringMatching(new RegExp(`^${origin}/account/verify-email\\?token=[\\w-]+$`))]);
    await page.goto(`${origin}/dev/mail`);
    await expect(page.locator(`#mails tbody tr[data-id="${welcome.id}"] td.subject`).textContent()).resolves.toContain(welcome.subject);
  }, 60_000);

  it('opens the verify link from /dev/mail: the token leaves the address bar, and nothing is sent before the button', async () => {
    const pageResponse = page.waitForResponse((response) => new URL(response.url()).pathname === '/account/verify-email');
    await followLinkOnDevMail(account.email, 'welcome');
    const response = await pageResponse;
    expect(response.headers()['referrer-policy']).toBe('no-referrer');
    expect(response.headers()['cache-control']).toBe('no-store');
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#confirm').waitFor({ state: 'visible' });
    await expect(page.locator('#confirm').textContent()).resolves.toBe('Confirm my e-mail address');
    expect(page.url()).toBe(`${origin}/account/verify-email`);
    expect(postsTo('/v1/auth/email/verify')).toEqual([]);
  });

  it('confirms the address on the button press; the API then says emailVerified: true', async () => {
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/auth/email/verify');
    await page.click('#confirm');
    const verify = await answered;
    expect(verify.status()).toBe(200);
    expect((await verify.request().allHeaders()).referer).toBeUndefined();
    await page.locator('#next').waitFor({ state: 'visible' });
    await expect(page.locator('#message').getAttribute('class')).resolves.toBe('');
    await expect(page.locator('#message').textContent()).resolves.toContain(((await verify.json()) as { message: string }).message);

    const login = await api.post('/v1/auth/login', { username: account.username, password: account.password });
    expect(login.status).toBe(200);
    const me = await api.get(`/v1/users/${userId}`, { token: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.emailVerified).toBe(true);
  });

  it('says plainly when a page is opened without its token', async () => {
    await page.goto(`${origin}/account/verify-email`);
    await page.locator('#no-token').waitFor({ state: 'visible' });
    expect(await page.locator('#ask').isHidden()).toBe(true);
  });

  it('asks for a reset link from the login page\'s "Forgot your password?"; the answer is shown', async () => {
    await page.goto(`${origin}/account/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(`${origin}/account/forgot-password`);
    await page.fill('#email', account.email);
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/auth/password/forgot');
    await page.click('#forgot-submit');
    const forgot = await answered;
    expect(forgot.status()).toBe(202);
    const { message } = (await forgot.json()) as { message: string };
    await page.locator('#message', { hasText: message }).waitFor();
    await expect(page.locator('#message').getAttribute('class')).resolves.toBe('');
  });

  it('follows the reset link from /dev/mail, and refuses two different passwords before asking the API', async () => {
    resetLink = (await mailTo(account.email, 'password-reset')).links[0];
    expect(resetLink).toMatch(new RegExp(`^${origin}/account/reset-password\\?token=[\\w-]+$`));
    await followLinkOnDevMail(account.email, 'password-reset');
    await page.locator('#reset-form').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${origin}/account/reset-password`);

    await page.fill('#new-password', NEW_PASSWORD);
    await page.fill('#repeat-password', `${NEW_PASSWORD}x`);
    await page.click('#reset-submit');
    await page.locator('#message.error', { hasText: 'differ' }).waitFor();
    expect(postsTo('/v1/auth/password/reset')).toEqual([]);
  }, 60_000);

  it('shows the field errors of a password the API refuses, and keeps the form', async () => {
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/auth/password/reset');
    await page.fill('#new-password', 'abc');
    await page.fill('#repeat-password', 'abc');
    await page.click('#reset-submit');
    const refused = await answered;
    expect(refused.status()).toBeGreaterThanOrEqual(400);
    expect(refused.status()).toBeLessThan(500);
    const problem = (await refused.json()) as { detail: string; errors?: { message: string }[] };
    await page.locator('#message.error', { hasText: problem.detail }).waitFor();
    expect(problem.errors?.length).toBeGreaterThan(0);
    await expect(page.locator('#field-errors li').allTextContents()).resolves.toEqual(problem.errors!.map((error) => error.message));
    expect(await page.locator('#reset-form').isVisible()).toBe(true);
  });

  it('sets the new password: the page links to sign-in, the new password works and the old one no longer does', async () => {
    await page.fill('#new-password', NEW_PASSWORD);
    await page.fill('#repeat-password', NEW_PASSWORD);
    await page.click('#reset-submit');
    await page.locator('#next a[href="/account/login"]').waitFor({ state: 'visible' });
    await expect(page.locator('#message').getAttribute('class')).resolves.toBe('');
    expect(await page.locator('#reset-form').isHidden()).toBe(true);
    expect((await postsTo('/v1/auth/password/reset').at(-1)!.postDataJSON()).newPassword).toBe(NEW_PASSWORD);

    expect((await api.post('/v1/auth/login', { username: account.username, password: NEW_PASSWORD })).status).toBe(200);
    expect((await api.post('/v1/auth/login', { username: account.username, password: account.password })).status).toBe(401);
  });

  it('says the reset link was already used when it is opened again', async () => {
    await page.goto(resetLink);
    await page.locator('#reset-form').waitFor({ state: 'visible' });
    await page.fill('#new-password', `${NEW_PASSWORD}-2`);
    await page.fill('#repeat-password', `${NEW_PASSWORD}-2`);
    await page.click('#reset-submit');
    await page.locator('#message.error[data-code="TOKEN_USED"]', { hasText: /already been used/ }).waitFor();
    await page.locator('#ask-again a[href="/account/forgot-password"]').waitFor({ state: 'visible' });
    expect((await api.post('/v1/auth/login', { username: account.username, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('logged no script error or CSP violation on any page, apart from the refused requests', () => {
    // The browser logs each 4xx answer to fetch as a failed resource; those were asked for above.
    expect(consoleErrors.filter((text) => !/status of 4\d\d/.test(text))).toEqual([]);
  });
});
