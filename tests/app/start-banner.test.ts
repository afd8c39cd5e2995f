import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRedis, startBanner } from '../../src/app/start-banner';
import { loadConfig } from '../../src/config/config';
import { redactDatabaseUrl } from '../../src/db/database.source';

const url = 'http://127.0.0.1:8000';

describe('start banner', () => {
  it('lists GraphQL with Sandbox, REST docs and health in development', () => {
    const config = loadConfig({ ADMIN_GENERATE: 'false' });
    const { message, fields } = startBanner({ url, config, database: 'embedded PostgreSQL 16 in ./data/postgres' });
    expect(message.split('\n')[0]).toBe('User API listening on http://127.0.0.1:8000');
    expect(message).toContain('http://127.0.0.1:8000/graphql (open it in a browser for Apollo Sandbox)');
    expect(message).toContain('REST docs  http://127.0.0.1:8000/docs');
    expect(message).toContain('Health     http://127.0.0.1:8000/health');
    expect(message).toContain('Database   embedded PostgreSQL 16 in ./data/postgres');
    expect(fields).toMatchObject({ graphql: `${url}/graphql`, sandbox: `${url}/graphql`, docs: `${url}/docs`, health: `${url}/health` });
    expect(message).not.toContain('Admin');
  });

  it('has no Sandbox in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/app' });
    const { message, fields } = startBanner({ url, config, database: 'postgres://db/app' });
    expect(message).not.toContain('Sandbox');
    expect(fields.sandbox).toBeUndefined();
  });

  it('shows database and Redis URLs without their passwords', () => {
    const database = redactDatabaseUrl('postgres://app:s3cret-pw@db.internal:5432/user_api');
    const config = loadConfig({ REDIS_URL: 'redis://:r3dis-pw@cache.internal:6379', ADMIN_GENERATE: 'false' });
    const { message } = startBanner({ url, config, database });
    expect(message).toContain('Database   postgres://app:***@db.internal:5432/user_api');
    expect(message).toContain('Redis      redis://:***@cache.internal:6379');
    expect(message).not.toMatch(/s3cret-pw|r3dis-pw/);
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
      expect(startBanner({ url, config, database: 'x' }).message).not.toContain('Admin');
      writeFileSync(file, 'password: Not-in-the-banner-1!\n', { mode: 0o600 });
      const created = startBanner({ url, config, database: 'x', firstAdminFile: file });
      expect(created.message).toContain(`Admin      created; username and password in ${file}`);
      expect(created.fields.firstAdminCredentials).toBe(file);
      const later = startBanner({ url, config, database: 'x' });
      expect(later.message).toContain(`Admin      username and password in ${file}`);
      expect(later.message).not.toContain('Not-in-the-banner-1!');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
