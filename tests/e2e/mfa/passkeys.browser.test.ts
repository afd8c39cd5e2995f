import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { MemoryPasskeyCredentialStore } from '../../../src/mfa/passkeys/passkey-credential.store';
import { PasskeyService } from '../../../src/mfa/passkeys/passkey.service';
import { MemoryWebAuthnChallengeStore } from '../../../src/mfa/passkeys/webauthn-challenge.store';
import { browserMissing, CHROMIUM } from '../../support/browser';

const ALICE = { id: '00000000-0000-4000-8000-00000000a11c', username: 'alice', displayName: 'Alice Example' };
const BOB = { id: '00000000-0000-4000-8000-000000000b0b', username: 'bob', displayName: 'Bob Example' };

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

/**
 * The ceremonies through a real browser: a tiny page server on localhost (a secure context, so
 * WebAuthn works over http) calls PasskeyService; Chromium's virtual authenticator (CTAP2, internal,
 * resident keys, user verification) answers navigator.credentials.
 */
/** What the page's scripts use; the project compiles without the DOM library. */
interface PageWebAuthn {
  navigator: { credentials: { create(options: unknown): Promise<PageCredential>; get(options: unknown): Promise<PageCredential> } };
  PublicKeyCredential: { parseCreationOptionsFromJSON(json: unknown): unknown; parseRequestOptionsFromJSON(json: unknown): unknown };
}
interface PageCredential {
  toJSON(): Record<string, unknown>;
}
type Json = any;

const missing = browserMissing();
(missing ? describe.skip : describe)('passkeys in Chromium with a virtual authenticator', () => {
  const time = { ms: Date.now() };
  const challenges = new MemoryWebAuthnChallengeStore(() => time.ms);
  const credentials = new MemoryPasskeyCredentialStore();
  let server: Server;
  let origin: string;
  let service: PasskeyService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      try {
        const url = new URL(request.url ?? '/', origin);
        const userId = url.searchParams.get('user') ?? ALICE.id;
        const user = [ALICE, BOB].find((candidate) => candidate.id === userId)!;
        const payload = request.method === 'POST' ? await body(request) : undefined;
        const routes: Record<string, () => Promise<unknown>> = {
          '/reg/options': () => service.registrationOptions(user),
          '/reg/verify': () => service.verifyRegistration(user.id, payload as never, 'Test key'),
          '/login/options': () => service.authenticationOptions(),
          '/login/verify': () => service.verifyAuthentication(payload as never),
          '/mfa/options': () => service.authenticationOptions(user.id),
          '/mfa/verify': () => service.verifyAuthentication(payload as never, url.searchParams.get('as') ?? user.id),
        };
        const route = routes[url.pathname];
        if (!route) {
          response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>passkeys</title><p>test page</p>');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await route()));
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    service = new PasskeyService({ rpId: 'localhost', rpName: 'User API test', origins: [origin] }, challenges, credentials);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${origin}/`);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** Runs a ceremony in the page: options from `optionsPath`, the browser's answer to `verifyPath`. */
  const ceremony = (kind: 'create' | 'get', optionsPath: string, verifyPath: string) =>
    page.evaluate(
      async ({ kind, optionsPath, verifyPath }) => {
        const { navigator, PublicKeyCredential } = globalThis as unknown as PageWebAuthn;
        const options: Json = await (await fetch(optionsPath, { method: 'POST' })).json();
        const credential =
          kind === 'create'
            ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
            : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        const answer = credential.toJSON();
        const result: Json = await (await fetch(verifyPath, { method: 'POST', body: JSON.stringify(answer) })).json();
        return { options, answer, result };
      },
      { kind, optionsPath, verifyPath },
    );

  const post = (path: string, payload: unknown) =>
    page.evaluate(async ({ path, payload }) => (await fetch(path, { method: 'POST', body: JSON.stringify(payload) })).json(), { path, payload });

  it('registers a passkey: a resident, user-verified credential the server keeps with its counter', async () => {
    const { options, result } = await ceremony('create', `/reg/options?user=${ALICE.id}`, `/reg/verify?user=${ALICE.id}`);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(result).toMatchObject({ ok: true, passkey: { name: 'Test key', deviceType: 'singleDevice' } });
    const { credentials: held } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(held).toHaveLength(1);
    expect(held[0].isResidentCredential).toBe(true);
    expect(Buffer.from(held[0].userHandle!, 'base64').toString('utf8')).toBe(ALICE.id);
    expect(await service.list(ALICE.id)).toEqual([expect.objectContaining({ name: 'Test key', lastUsedAt: null })]);
  });

  it('refuses to register the same authenticator twice for the user (excludeCredentials)', async () => {
    const attempt = await page.evaluate(async (user) => {
      const { navigator, PublicKeyCredential } = globalThis as unknown as PageWebAuthn;
      const options = await (await fetch(`/reg/options?user=${user}`, { method: 'POST' })).json();
      try {
        await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
        return 'created';
      } catch (error) {
        return (error as Error).name;
      }
    }, ALICE.id);
    expect(attempt).toBe('InvalidStateError');
  });

  it('signs in with the passkey alone (discoverable, no username) and counts the signature', async () => {
    const { options, result } = await ceremony('get', '/login/options', '/login/verify');
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
    expect(result).toMatchObject({ ok: true, userId: ALICE.id, userVerified: true });
    const [stored] = await credentials.listByUser(ALICE.id);
    expect(stored.counter).toBeGreaterThan(0);
    expect(stored.lastUsedAt).not.toBeNull();
  });

  it('refuses the same signed answer sent again (the challenge is single-use)', async () => {
    const { answer, result } = await ceremony('get', '/login/options', '/login/verify');
    expect(result.ok).toBe(true);
    expect(await post('/login/verify', answer)).toMatchObject({ ok: false, reason: 'challenge' });
  });

  it('serves as the second factor for its owner, and not for another user', async () => {
    const own = await ceremony('get', `/mfa/options?user=${ALICE.id}`, `/mfa/verify?user=${ALICE.id}`);
    expect(own.options.allowCredentials).toHaveLength(1);
    expect(own.result).toMatchObject({ ok: true, userId: ALICE.id });
    const stolen = await ceremony('get', `/mfa/options?user=${ALICE.id}`, `/mfa/verify?user=${ALICE.id}&as=${BOB.id}`);
    expect(stolen.result).toMatchObject({ ok: false, reason: 'unknown-credential' });
  });

  it("refuses an answer to another ceremony's challenge (a second-factor challenge used for a passkey-only login)", async () => {
    const { answer } = await page.evaluate(async (user) => {
      const { navigator, PublicKeyCredential } = globalThis as unknown as PageWebAuthn;
      const options = await (await fetch(`/mfa/options?user=${user}`, { method: 'POST' })).json();
      const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      return { answer: credential.toJSON() };
    }, ALICE.id);
    expect(await post('/login/verify', answer)).toMatchObject({ ok: false, reason: 'challenge' });
  });

  it('refuses an answer after the challenge expired (2 minutes)', async () => {
    const { answer } = await page.evaluate(async () => {
      const { navigator, PublicKeyCredential } = globalThis as unknown as PageWebAuthn;
      const options = await (await fetch('/login/options', { method: 'POST' })).json();
      const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      return { answer: credential.toJSON() };
    });
    time.ms += 2 * 60 * 1000 + 1;
    expect(await post('/login/verify', answer)).toMatchObject({ ok: false, reason: 'challenge' });
  });

  it('detects a cloned authenticator: a copy of the key whose counter falls behind is refused', async () => {
    const [stored] = await credentials.listByUser(ALICE.id);
    const { credentials: held } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    // The copy: same private key, counter reset, in a second authenticator; the original is unplugged.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    const clone = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await cdp.send('WebAuthn.addCredential', { authenticatorId: clone.authenticatorId, credential: { ...held[0], signCount: 0 } });
    const { result } = await ceremony('get', '/login/options', '/login/verify');
    expect(result).toMatchObject({ ok: false, reason: 'counter', userId: ALICE.id });
    const [after] = await credentials.listByUser(ALICE.id);
    expect(after.counter).toBe(stored.counter);
  });

  it('lists, renames and deletes passkeys, for their owner only', async () => {
    const [passkey] = await service.list(ALICE.id);
    expect(await service.rename(BOB.id, passkey.id, 'Mine now')).toBe(false);
    expect(await service.rename(ALICE.id, passkey.id, '  Laptop\u0007  ')).toBe(true);
    expect((await service.list(ALICE.id))[0].name).toBe('Laptop');
    expect(await service.rename(ALICE.id, passkey.id, '   ')).toBe(false);
    expect(await service.remove(BOB.id, passkey.id)).toBe(false);
    expect(await service.remove(ALICE.id, passkey.id)).toBe(true);
    expect(await service.list(ALICE.id)).toEqual([]);
    const { result } = await ceremony('get', '/login/options', '/login/verify');
    expect(result).toMatchObject({ ok: false, reason: 'unknown-credential' });
  });
});
