import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { devMailRouter } from '../../src/http/dev-mail.router';
import { Mailer } from '../../src/mail/mailer';

/** A pair as the Mailer writes it, with any values: the listing must survive what it did not write. */
function writeMail(dataDir: string, entry: { id: string; to: string; subject: string; template?: string; date?: string; links?: string[] }, eml = 'Subject: x\n\nbody\n'): void {
  const dir = join(dataDir, 'mail');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${entry.id}.eml`), eml);
  writeFileSync(join(dir, `${entry.id}.json`), JSON.stringify({ template: 'welcome', date: '2030-01-01T00:00:00.000Z', links: [], ...entry }));
}

describe('devMailRouter (/dev/mail over the development mailbox)', () => {
  let dataDir: string;
  let server: Server;
  let base: string;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'uma-dev-mail-'));
    server = express().use(devMailRouter(dataDir)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.close();
    await once(server, 'close');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists what the Mailer wrote, newest first, as HTML with clickable links and as JSON', async () => {
    const mailer = new Mailer({ from: '"Acme" <no-reply@acme.example>', appName: 'Acme', dataDir }, { info: () => undefined });
    const verifyUrl = 'http://localhost:8000/account/verify-email?token=abc&x=1';
    const resetUrl = 'http://localhost:8000/account/reset-password?token=def';
    await mailer.send({ template: 'welcome', to: 'ada@example.com', params: { name: 'Ada', verifyUrl } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await mailer.send({ template: 'password-reset', to: 'bob@example.com', params: { name: 'Bob', resetUrl, expiresInMinutes: 30 } });

    const json = await fetch(`${base}/dev/mail.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('cache-control')).toBe('no-store');
    const { data } = (await json.json()) as { data: { id: string; to: string; template: string; links: string[] }[] };
    expect(data.map((mail) => [mail.to, mail.template, mail.links])).toEqual([
      ['bob@example.com', 'password-reset', [resetUrl]],
      ['ada@example.com', 'welcome', [verifyUrl]],
    ]);

    const page = await fetch(`${base}/dev/mail`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toMatch(/script-src|unsafe-inline/);
    const html = await page.text();
    expect(html).not.toMatch(/<script|<style|style=/i);
    expect(html.indexOf('bob@example.com')).toBeLessThan(html.indexOf('ada@example.com'));
    expect(html).toContain(`<a href="${verifyUrl.replace('&', '&amp;')}" rel="noreferrer">`);
    expect(html).toContain(`href="/dev/mail/${data[1].id}.eml"`);
    expect(html).toContain('Welcome to Acme: please confirm your e-mail address');

    const css = await fetch(`${base}/dev/mail.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('escapes hostile addresses, subjects and links, and makes no anchor of a link that is not http(s)', async () => {
    writeMail(dataDir, {
      id: '2030-01-01T00-00-00-000Z-aaaaaa',
      to: '"<script>alert(1)</script>"@evil.example',
      subject: '<img src=x onerror=alert(2)> & "quotes"',
      links: ['javascript:alert(3)', 'http://localhost/"><script>alert(4)</script>'],
    });
    const html = await (await fetch(`${base}/dev/mail`)).text();
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;@evil.example');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<span>javascript:alert(3)</span>');
    expect(html).toContain('<a href="http://localhost/&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;" rel="noreferrer">');
  });

  it('serves a raw message as message/rfc822, byte for byte', async () => {
    const eml = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\nhello\r\n';
    writeMail(dataDir, { id: '2030-01-01T00-00-00-000Z-bbbbbb', to: 'b@example.com', subject: 'café' }, eml);
    const response = await fetch(`${base}/dev/mail/2030-01-01T00-00-00-000Z-bbbbbb.eml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^message\/rfc822/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await response.arrayBuffer()).toString('utf8')).toBe(eml);
  });

  it('answers 404 problem+json for an unknown id and for one that tries to leave the mailbox', async () => {
    writeFileSync(join(dataDir, 'etc.eml'), 'outside the mailbox');
    writeMail(dataDir, { id: 'known', to: 'a@example.com', subject: 's' });
    for (const path of ['/dev/mail/no-such-mail.eml', '/dev/mail/..%2Fetc.eml', '/dev/mail/..%2F..%2Fetc%2Fpasswd.eml', '/dev/mail/known%00.eml', '/dev/mail/.eml']) {
      const response = await fetch(`${base}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
      if (path !== '/dev/mail/.eml') {
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await response.json()).toMatchObject({ status: 404, title: 'Not found' });
      }
    }
  });

  it('shows an empty mailbox (no mail directory yet) as such', async () => {
    const html = await (await fetch(`${base}/dev/mail`)).text();
    expect(html).toContain('id="empty"');
    expect(await (await fetch(`${base}/dev/mail.json`)).json()).toEqual({ data: [] });
  });
});
