import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describeListening, describeMail, describeRedis, printStartBanner, startBanner } from '../../src/app/start-banner';
import { loadConfig } from '../../src/platform/config/config';
import { redactDatabaseUrl } from '../../src/platform/db/database.source';
import { createLogger } from '../../src/platform/observability/logger';

const everywhere = { host: '0.0.0.0', port: 8000 };
const url = 'http://localhost:8000';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('start banner', () => {
  it('says what it listens on: every interface, or the one address', () => {
    expect(describeListening({ host: '0.0.0.0', port: 8000 })).toEqual({ where: 'all IPv4 interfaces (0.0.0.0), port 8000', url: 'http://localhost:8000' });
    expect(describeListening({ host: '::', port: 8000 })).toEqual({ where: 'all interfaces (IPv6 and IPv4) (::), port 8000', url: 'http://localhost:8000' });
    expect(describeListening({ host: '127.0.0.1', port: 8123 })).toEqual({ where: '127.0.0.1:8123 only', url: 'http://127.0.0.1:8123' });
    expect(describeListening({ host: '::1', port: 8000 })).toEqual({ where: '[::1]:8000 only', url: 'http://[::1]:8000' });
  });

  it('lists the index, GraphQL with Sandbox, the offline GraphiQL, REST docs and health in development', () => {
    const config = loadConfig({ ADMIN_GENERATE: 'false' });
    const { message, text, fields } = startBanner({ listening: everywhere, config, database: 'embedded PostgreSQL 16 in ./data/postgres' });
    expect(message).toBe('User API listening on all IPv4 interfaces (0.0.0.0), port 8000');
    expect(text.split('\n')[0]).toBe(`${message}: ${url}`);
    expect(text).toContain(`Start here ${url}/`);
    expect(text).toContain(`GraphQL    ${url}/graphql (in a browser: Apollo Sandbox, loaded from the internet)`);
    expect(text).toContain(`GraphiQL   ${url}/graphiql (works offline)`);
    expect(text).toContain(`REST docs  ${url}/docs`);
    expect(text).toContain(`Health     ${url}/health`);
    expect(text).toContain('Database   embedded PostgreSQL 16 in ./data/postgres');
    expect(fields).toMatchObject({ listen: '0.0.0.0:8000', url, graphql: `${url}/graphql`, sandbox: `${url}/graphql`, graphiql: `${url}/graphiql`, docs: `${url}/docs`, health: `${url}/health` });
    expect(text).not.toContain('Admin');
  });

  it('has no Sandbox, GraphiQL or index in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/app', MFA_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 1).toString('base64')}` });
    const { text, fields } = startBanner({ listening: everywhere, config, database: 'postgres://db/app' });
    expect(text).not.toMatch(/Sandbox|GraphiQL|Start here/);
    expect(fields).toMatchObject({ sandbox: undefined, graphiql: undefined, index: undefined });
  });

  it('shows database and Redis URLs without their passwords', () => {
    const database = redactDatabaseUrl('postgres://app:s3cret-pw@db.internal:5432/user_api');
    const config = loadConfig({ REDIS_URL: 'redis://:r3dis-pw@cache.internal:6379', ADMIN_GENERATE: 'false' });
    const { text } = startBanner({ listening: everywhere, config, database });
    expect(text).toContain('Database   postgres://app:***@db.internal:5432/user_api');
    expect(text).toContain('Redis      redis://:***@cache.internal:6379');
    expect(text).not.toMatch(/s3cret-pw|r3dis-pw/);
  });

  it('names the Redis mode: single, cluster or in-process', () => {
    expect(describeRedis({ redisUrl: 'redis://127.0.0.1:6379', redisClusterNodes: undefined })).toBe('redis://127.0.0.1:6379');
    expect(describeRedis({ redisUrl: undefined, redisClusterNodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] })).toBe('Redis Cluster via a:7000, b:7001');
    expect(describeRedis({ redisUrl: undefined, redisClusterNodes: undefined })).toMatch(/^none: in-process/);
  });

  it('points at the first admin credentials file, created now or by an earlier start, and never shows a password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uma-banner-'));
    try {
      const config = loadConfig({ DATA_DIR: dir });
      const file = join(dir, 'first-admin.txt');
      expect(startBanner({ listening: everywhere, config, database: 'x' }).text).not.toContain('Admin');
      writeFileSync(file, 'password: Not-in-the-banner-1!\n', { mode: 0o600 });
      const created = startBanner({ listening: everywhere, config, database: 'x', firstAdminFile: file });
      expect(created.text).toContain(`Admin      created; username and password in ${file}`);
      expect(created.fields.firstAdminCredentials).toBe(file);
      const later = startBanner({ listening: everywhere, config, database: 'x' });
      expect(later.text).toContain(`Admin      username and password in ${file}`);
      expect(later.text).not.toContain('Not-in-the-banner-1!');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('where it is printed', () => {
    const input = { listening: everywhere, config: loadConfig({ ADMIN_GENERATE: 'false' }), database: 'db', tracing: false };

    it('log to a file or pipe: one JSON line with a one-line message and the fields; the human banner on stderr when that is a terminal', () => {
      const log = capture();
      const terminal = capture();
      printStartBanner(createLogger('info', log.stream), input, { pretty: false, terminal: terminal.stream });
      const lines = log.text().trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]);
      expect(line.message).toBe('User API listening on all IPv4 interfaces (0.0.0.0), port 8000');
      expect(line.message).not.toContain('\n');
      expect(line.banner).toMatchObject({ listen: '0.0.0.0:8000', graphiql: `${url}/graphiql`, tracing: false });
      expect(terminal.text()).toBe(`${startBanner(input).text}\n`);
    });

    it('no terminal at all (a container): the JSON line only, nothing else on stderr', () => {
      const log = capture();
      printStartBanner(createLogger('info', log.stream), input, { pretty: false, terminal: null });
      expect(log.text().trim().split('\n')).toHaveLength(1);
    });

    it("at a developer's terminal: the banner is the (pretty) log line", () => {
      const log = capture();
      const terminal = capture();
      printStartBanner(createLogger('info', log.stream), input, { pretty: true, terminal: terminal.stream });
      expect(JSON.parse(log.text()).message).toBe(startBanner(input).text);
      expect(terminal.text()).toBe('');
    });
  });

  describe('mail', () => {
    it('points a newcomer at /dev/mail, names an SMTP server without its credentials, and in production says nobody reads the files', () => {
      expect(describeMail(loadConfig({ DATA_DIR: '/srv/uma' }), 'http://localhost:8000')).toBe('files in /srv/uma/mail, listed at http://localhost:8000/dev/mail');
      expect(describeMail(loadConfig({ SMTP_URL: 'smtps://mailer:s3cret@mail.example.com:465' }), 'http://x')).toBe('SMTP smtps://mail.example.com:465');
      const production = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/app', DATA_DIR: '/srv/uma' });
      expect(describeMail(production, 'http://x')).toBe('files in /srv/uma/mail (set SMTP_URL to send them)');
      expect(startBanner({ listening: { host: '127.0.0.1', port: 8000 }, config: production, database: 'db' }).text).toContain('  Mail       files in /srv/uma/mail (set SMTP_URL to send them)');
    });
  });
});
