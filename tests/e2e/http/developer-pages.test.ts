import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { UserRole } from '../../../src/users/user-role';
import { browserMissing, launchChromium, offlineContext } from '../../support/browser';
import { signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '..', '..', '..');
const missing = browserMissing();
if (missing) process.stderr.write(`\n[tests] skipping the browser suite: ${missing}\n`);
const describeInBrowser = missing ? describe.skip : describe;

/** With UPDATE_SCREENSHOTS=true the pictures in docs/ (shown in the README) are replaced. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === 'true';
/** GraphiQL's Monaco editors, by the model each edits. */
const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
const HEADERS_EDITOR = '.monaco-editor[data-uri$="headers.json"]';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describeInBrowser('developer pages in Chromium, with the network cut off', () => {
  const ctx = useTestServer({ NODE_ENV: 'development', ADMIN_GENERATE: 'false' });
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'uma-shots-'));

  beforeAll(async () => {
    // The IDE is served from the build (dist/graphiql): make sure it is there and current.
    await promisify(execFile)(process.execPath, [join(ROOT, 'tools', 'build.mjs'), '--quiet'], { cwd: ROOT });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(shots, { recursive: true, force: true });
  });

  async function screenshot(page: Page, name: string): Promise<void> {
    const file = join(shots, `${name}.png`);
    await page.screenshot({ path: file });
    expect(readFileSync(file).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    if (UPDATE_SCREENSHOTS) copyFileSync(file, join(ROOT, 'docs', `${name}.png`));
  }

  /** Replaces the text of a Monaco editor as a paste would (typing would trigger auto-closing brackets). */
  async function replaceEditorText(page: Page, editor: string, text: string): Promise<void> {
    await page.locator(editor).first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  it('GraphiQL loads from this server alone, runs { me { id } } with a bearer token, and shows the answer', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const { context, outside } = await offlineContext(browser);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`${ctx.server.url}/graphiql`);
      await page.locator(QUERY_EDITOR).first().waitFor();

      await replaceEditorText(page, QUERY_EDITOR, '{ me { id } }');
      await page.getByRole('button', { name: /headers/i }).click();
      await replaceEditorText(page, HEADERS_EDITOR, `{"Authorization": "Bearer ${user.token}"}`);
      await page.locator('.graphiql-execute-button').click();

      const response = page.locator('.graphiql-response');
      await response.getByText(user.id).waitFor();
      // Monaco renders spaces as no-break spaces.
      expect(JSON.parse((await response.innerText()).replace(/\u00a0/g, ' '))).toEqual({ data: { me: { id: user.id } } });
      await screenshot(page, 'graphiql');

      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('without the token the same query answers UNAUTHENTICATED in the IDE', async () => {
    const { context, outside } = await offlineContext(browser);
    const page = await context.newPage();
    try {
      await page.goto(`${ctx.server.url}/graphiql`);
      await page.locator(QUERY_EDITOR).first().waitFor();
      await replaceEditorText(page, QUERY_EDITOR, '{ me { id } }');
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.graphiql-response').getByText('UNAUTHENTICATED').waitFor();
      expect(outside).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the index page links GraphQL (Sandbox), GraphiQL, the docs and health; /docs renders offline too', async () => {
    const { context, outside } = await offlineContext(browser);
    const page = await context.newPage();
    try {
      await page.goto(`${ctx.server.url}/`);
      for (const href of ['/graphql', '/graphiql', '/docs', '/health']) expect(await page.locator(`a[href="${href}"]`).count()).toBe(1);
      await screenshot(page, 'index');

      await page.locator('a[href="/docs"]').click();
      await page.locator('.swagger-ui .info .title').waitFor();
      expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('User Management API');
      await screenshot(page, 'docs');
      expect(outside).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Apollo Sandbox at /graphql is the page that needs the internet: offline, it says so', async () => {
    const { context, outside } = await offlineContext(browser);
    const page = await context.newPage();
    try {
      await page.goto(`${ctx.server.url}/graphql`);
      await page.getByText(/Apollo Sandbox cannot be loaded; it appears that you might be offline/).waitFor({ state: 'visible' });
      // Apollo fades the message in after a second (the page's CSP forbids evaluating strings; the test's TypeScript has no DOM types).
      await page.waitForFunction(() => {
        const window = globalThis as unknown as { getComputedStyle(element: unknown): { opacity: string }; document: { querySelector(selector: string): unknown } };
        return window.getComputedStyle(window.document.querySelector('.fallback')).opacity === '1';
      });
      // The landing page is Apollo's; its Sandbox comes from Apollo's CDN, which this test does not let through.
      expect(outside.some((url) => new URL(url).hostname.endsWith('apollographql.com'))).toBe(true);
      await screenshot(page, 'sandbox-offline');
    } finally {
      await context.close();
    }
  });
});
