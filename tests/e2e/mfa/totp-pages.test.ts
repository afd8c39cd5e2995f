import type { Browser, Page } from 'playwright-core';
import { decodeToken, forgeFrom } from '../../support/auth';
import { browserMissing, launchChromium } from '../../support/browser';
import { seedUser, type SeededUser } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { startTestServer, type TestServer } from '../../support/test-server';
import { awayFromStepBoundary, totpCode, wrongCode } from '../../support/totp';

/** What the test reads and writes in the page; the project compiles without the DOM library. */
interface PageGlobals {
  document: { getElementById(id: string): { complete: boolean; naturalWidth: number; src: string } | null };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

const missing = browserMissing();

/**
 * TOTP as a user meets it on the account pages, in Debian's Chromium: a password sign-in, the
 * setup on /account/security (QR code and secret shown, a code typed, ten recovery codes shown
 * once), sign-ins through the code step with an authenticator code and with a recovery code, new
 * recovery codes, the step-up refusal, and turning TOTP off, all under the pages' strict CSP.
 */
(missing ? describe.skip : describe)('the account pages with an authenticator app (TOTP), in Chromium', () => {
  let server: TestServer;
  let api: ApiClient;
  let origin: string;
  let user: SeededUser;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let secret: string;
  let recoveryCodes: string[];

  beforeAll(async () => {
    server = await startTestServer();
    origin = server.url;
    api = new ApiClient(server.url);
    user = await seedUser(server);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const storedTokens = async (): Promise<Tokens | null> => {
    const raw = await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('uma.tokens'));
    return raw === null ? null : (JSON.parse(raw) as Tokens);
  };
  const mfaStatus = async () => (await api.get('/v1/auth/mfa', { token: (await storedTokens())!.accessToken })).body;
  const shownCodes = async () => (await page.locator('#recovery-codes li').allTextContents()).map((code) => code.trim());

  /** From a signed-in security page: sign out, then the password on /account/login. */
  async function signOutAndEnterPassword(): Promise<void> {
    // The page has loaded what it shows (the status comes last): no call of its is still on its way.
    await page.locator('#mfa-status', { hasText: /\S/ }).waitFor();
    await page.click('#signout');
    await page.waitForURL(`${origin}/account/login`);
    expect(await storedTokens()).toBeNull();
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-submit');
  }

  it('signs in with the password; the security page says no authenticator app is set up', async () => {
    const response = await page.goto(`${origin}/account/login`);
    expect(response?.headers()['content-security-policy']).toContain("img-src 'self' data:");
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-submit');
    await page.waitForURL(`${origin}/account/security`);
    await page.locator('#who', { hasText: user.username }).waitFor();
    await page.locator('#mfa-status', { hasText: 'No authenticator app is set up.' }).waitFor();
    expect(await page.locator('#totp-setup').isVisible()).toBe(true);
    expect(await page.locator('#totp-disable').isHidden()).toBe(true);
    expect(await page.locator('#recovery-new').isHidden()).toBe(true);
  });

  it('starts the setup: shows the secret and its QR code (a data: image the CSP lets load); TOTP is not on yet', async () => {
    await page.click('#totp-setup');
    await page.locator('#totp-enrol').waitFor({ state: 'visible' });
    secret = (await page.locator('#totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}=*$/);
    await page.waitForFunction(() => {
      const qr = (globalThis as unknown as PageGlobals).document.getElementById('totp-qr');
      return qr !== null && qr.src.startsWith('data:image/svg+xml') && qr.complete && qr.naturalWidth > 0;
    });
    expect(await mfaStatus()).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
  });

  it("refuses a wrong code with the API's reason, then turns TOTP on with the code of the secret shown: ten recovery codes", async () => {
    await page.fill('#totp-code', wrongCode(secret));
    await page.click('#totp-confirm-form button[type="submit"]');
    await page.locator('#message.error', { hasText: 'The code is not valid' }).waitFor();
    expect(await page.locator('#recovery').isHidden()).toBe(true);

    await awayFromStepBoundary();
    await page.fill('#totp-code', totpCode(secret));
    await page.click('#totp-confirm-form button[type="submit"]');
    await page.locator('#message', { hasText: 'The authenticator app is on.' }).waitFor();
    recoveryCodes = await shownCodes();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    expect(await page.locator('#totp-enrol').isHidden()).toBe(true);
    expect(await page.locator('#totp-setup').isHidden()).toBe(true);
    expect(await page.locator('#totp-disable').isVisible()).toBe(true);
    await page.locator('#mfa-status', { hasText: 'The authenticator app is on. Recovery codes left: 10.' }).waitFor();
    expect(await mfaStatus()).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
  });

  it('the recovery codes are shown once: a reload of the page no longer shows them', async () => {
    await page.reload();
    await page.locator('#mfa-status', { hasText: 'The authenticator app is on.' }).waitFor();
    expect(await page.locator('#recovery').isHidden()).toBe(true);
    expect(await shownCodes()).toEqual([]);
  });

  it('after sign-out, the password leads to the code step (no passkey button); a wrong code is refused there', async () => {
    const challenge = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/auth/login');
    await signOutAndEnterPassword();
    expect(await (await challenge).json()).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'] });
    await page.locator('#mfa-code').waitFor({ state: 'visible' });
    expect(await page.locator('#mfa-passkey').isHidden()).toBe(true);
    expect(await page.locator('#password-form').isHidden()).toBe(true);
    expect(await storedTokens()).toBeNull();

    await page.fill('#mfa-code', wrongCode(secret));
    await page.click('#mfa-submit');
    await page.locator('#message.error', { hasText: 'The code is not valid.' }).waitFor();
    expect(await storedTokens()).toBeNull();
  });

  it('signs in with the code the app shows: amr pwd + otp', async () => {
    // The confirmation spent the step it was typed in; a code is accepted once, so the next step's.
    await awayFromStepBoundary();
    await page.fill('#mfa-code', totpCode(secret, 1));
    await page.click('#mfa-submit');
    await page.waitForURL(`${origin}/account/security`);
    await page.locator('#who', { hasText: user.username }).waitFor();
    expect(decodeToken((await storedTokens())!.accessToken)).toMatchObject({ sub: user.id, amr: ['pwd', 'otp'] });
  });

  it('signs out and in again with a recovery code, which is then spent', async () => {
    await signOutAndEnterPassword();
    await page.locator('#mfa-code').waitFor({ state: 'visible' });
    await page.fill('#mfa-code', recoveryCodes[0].toUpperCase());
    await page.click('#mfa-submit');
    await page.waitForURL(`${origin}/account/security`);
    await page.locator('#who', { hasText: user.username }).waitFor();
    expect(decodeToken((await storedTokens())!.accessToken)).toMatchObject({ sub: user.id, amr: ['pwd', 'otp'] });
    await page.locator('#mfa-status', { hasText: 'Recovery codes left: 9.' }).waitFor();
    expect(await mfaStatus()).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 9 });
  });

  it('gives new recovery codes on the page (the sign-in is recent): ten others', async () => {
    await page.click('#recovery-new');
    await page.locator('#message', { hasText: 'New recovery codes' }).waitFor();
    const fresh = await shownCodes();
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => recoveryCodes.includes(code))).toEqual([]);
    await page.locator('#mfa-status', { hasText: 'Recovery codes left: 10.' }).waitFor();
    recoveryCodes = fresh;
  });

  it('asks for a fresh sign-in, and keeps TOTP on, when the sign-in is older than 5 minutes', async () => {
    const real = (await storedTokens())!;
    const stale = { ...real, accessToken: forgeFrom(server, real.accessToken, { auth_time: Math.floor(Date.now() / 1000) - 600 }) };
    await page.evaluate((value) => (globalThis as unknown as PageGlobals).sessionStorage.setItem('uma.tokens', value), JSON.stringify(stale));
    await page.click('#totp-disable');
    await page.locator('#message.error', { hasText: 'Please sign in again first' }).waitFor();
    expect(page.url()).toBe(`${origin}/account/security`);
    await page.evaluate((value) => (globalThis as unknown as PageGlobals).sessionStorage.setItem('uma.tokens', value), JSON.stringify(real));
    expect(await mfaStatus()).toMatchObject({ totp: true });
  });

  it('turns TOTP off from the page within 5 minutes of the sign-in: GET /v1/auth/mfa says totp false', async () => {
    await page.click('#totp-disable');
    await page.locator('#message', { hasText: 'The authenticator app is off.' }).waitFor();
    expect(await mfaStatus()).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    await page.locator('#mfa-status', { hasText: 'No authenticator app is set up.' }).waitFor();
    expect(await page.locator('#totp-setup').isVisible()).toBe(true);
    expect(await page.locator('#totp-disable').isHidden()).toBe(true);
    expect(await page.locator('#recovery').isHidden()).toBe(true);
  });

  it('the password alone signs in again, with no code step', async () => {
    await signOutAndEnterPassword();
    await page.waitForURL(`${origin}/account/security`);
    await page.locator('#who', { hasText: user.username }).waitFor();
    expect(decodeToken((await storedTokens())!.accessToken).amr).toEqual(['pwd']);
  });

  it('logged no script error or CSP violation, only the three refusals asked for', () => {
    // The browser logs each refused call as a failed resource: the wrong setup code (422), the wrong
    // sign-in code (401) and the stale sign-in (401).
    const refusals = consoleErrors.filter((text) => /status of (401|422)/.test(text));
    expect(consoleErrors.filter((text) => !refusals.includes(text))).toEqual([]);
    expect(refusals).toHaveLength(3);
  });
});
