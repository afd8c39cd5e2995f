import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from '../../../src/platform/config/config';
import { mailTransportWarning } from '../../../src/platform/config/mail.env';

const strongSecret = 'x'.repeat(32);
const productionDb = 'postgres://db.internal/app';
const mfaKey = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 8000,
      migrateOnStart: true,
      signupEnabled: true,
      jwt: { algorithm: 'HS256', accessTokenTtlSeconds: 15 * 60, refreshTokenTtlSeconds: 10080 * 60 },
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      loginThrottle: { maxFailuresPerIp: 5, maxFailuresPerAccount: 50, windowSeconds: 900 },
    });
    expect(config.jwt.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('reads typed values', () => {
    const config = loadConfig({ PORT: '9000', MIGRATE_ON_START: 'false', ACCESS_TOKEN_EXPIRE: '5', JWT_SECRET: strongSecret });
    expect(config.port).toBe(9000);
    expect(config.migrateOnStart).toBe(false);
    expect(config.jwt.accessTokenTtlSeconds).toBe(300);
    expect(config.jwt.secret).toBe(strongSecret);
  });

  it('hashes as many passwords at once as there are cores, on a thread pool with libuv\'s four threads beside them', () => {
    const cores = availableParallelism();
    expect(loadConfig({})).toMatchObject({ argon2Concurrency: cores, threadPoolSize: cores + 4 });
    expect(loadConfig({ ARGON2_CONCURRENCY: '16' })).toMatchObject({ argon2Concurrency: 16, threadPoolSize: 20 });
    // An operator's pool size is kept as given.
    expect(loadConfig({ ARGON2_CONCURRENCY: '16', UV_THREADPOOL_SIZE: '8' })).toMatchObject({ argon2Concurrency: 16, threadPoolSize: 8 });
    for (const bad of [{ ARGON2_CONCURRENCY: '0' }, { UV_THREADPOOL_SIZE: 'many' }, { UV_THREADPOOL_SIZE: '1025' }, { UV_THREADPOOL_SIZE: '2.5' }]) {
      const [name] = Object.keys(bad);
      expect(() => loadConfig(bad)).toThrow(expect.objectContaining({ problems: [expect.stringMatching(new RegExp(`^${name} `))] }));
    }
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', MIGRATE_ON_START: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((problem) => problem.split(' ')[0]);
    expect(fields).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'MIGRATE_ON_START']));
  });

  it('does not require If-Match or expectedVersion unless REQUIRE_IF_MATCH says so', () => {
    expect(loadConfig({}).requireVersionPrecondition).toBe(false);
    expect(loadConfig({ REQUIRE_IF_MATCH: 'true' }).requireVersionPrecondition).toBe(true);
    expect(loadConfig({ REQUIRE_IF_MATCH: 'false' }).requireVersionPrecondition).toBe(false);
    expect(() => loadConfig({ REQUIRE_IF_MATCH: 'always' })).toThrow(/REQUIRE_IF_MATCH/);
  });

  it('refuses production without a JWT secret, and any short secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required in production/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 characters/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret, DATABASE_URL: productionDb, MFA_ENCRYPTION_KEY: mfaKey }).env).toBe('production');
  });

  it('wants the bootstrap admin variables together', () => {
    expect(() => loadConfig({ ADMIN_USERNAME: 'root', ADMIN_GENERATE: 'false' })).toThrow(/must be set together/);
    expect(() => loadConfig({ ADMIN_EMAIL: 'root@example.com', NODE_ENV: 'production', JWT_SECRET: strongSecret, DATABASE_URL: productionDb, MFA_ENCRYPTION_KEY: mfaKey })).toThrow(/must be set together/);
    const config = loadConfig({ ADMIN_USERNAME: 'root', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'Sup3r-secret!' });
    expect(config.bootstrapAdmin).toEqual({ username: 'root', email: 'root@example.com', password: 'Sup3r-secret!' });
  });

  it('reads DATABASE_READ_URLS as a comma-separated list of postgres:// URLs, none by default', () => {
    expect(loadConfig({}).readReplicas).toEqual({ urls: [], stickySeconds: 5 });
    const config = loadConfig({ DATABASE_URL: 'postgres://p/app', DATABASE_READ_URLS: ' postgres://r1:5432/app, postgresql://u:p@r2/app ,', DATABASE_READ_STICKY_SECONDS: '2' });
    expect(config.readReplicas).toEqual({ urls: ['postgres://r1:5432/app', 'postgresql://u:p@r2/app'], stickySeconds: 2 });
    let error: unknown;
    try {
      loadConfig({ DATABASE_READ_URLS: 'postgres://ok/app,mysql://secret@bad/app', DATABASE_READ_STICKY_SECONDS: '0', PORT: 'eighty' });
    } catch (caught) {
      error = caught;
    }
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(expect.arrayContaining(['DATABASE_READ_URLS entry 2 must be a postgres:// URL', expect.stringMatching(/^DATABASE_READ_STICKY_SECONDS /), expect.stringMatching(/^PORT /)]));
    // A URL may hold a password: the message names the entry, never its text.
    expect(problems.join(' ')).not.toContain('secret');
    expect(() => loadConfig({ DATABASE_READ_URLS: 'postgres://r1/app' })).toThrow(/DATABASE_READ_URLS needs DATABASE_URL/);
  });

  it('uses an embedded PostgreSQL in DATA_DIR unless DATABASE_URL is set', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: undefined, dataDir: './data' });
    expect(loadConfig({ DATABASE_URL: 'postgres://db.internal/app', DATA_DIR: '/var/lib/uma' })).toMatchObject({ databaseUrl: 'postgres://db.internal/app', dataDir: '/var/lib/uma' });
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret })).toThrow(/DATABASE_URL is required in production/);
  });

  it('keeps state in process unless REDIS_URL or REDIS_CLUSTER_NODES names a Redis', () => {
    expect(loadConfig({})).toMatchObject({ redisUrl: undefined, redisClusterNodes: undefined, redisKeyPrefix: 'uma:' });
    expect(loadConfig({ REDIS_URL: 'redis://cache.internal:6380/2' })).toMatchObject({ redisUrl: 'redis://cache.internal:6380/2', redisClusterNodes: undefined });
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001 ,' })).toMatchObject({
      redisUrl: undefined,
      redisClusterNodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
      ],
    });
  });

  it('names every bad Redis variable: cluster nodes, both targets at once, braces in the key prefix', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2', REDIS_KEY_PREFIX: 'uma:{x}:', REDIS_URL: 'http://nope' })).toEqual([
      'REDIS_URL must be a redis:// URL',
      'REDIS_CLUSTER_NODES must be comma-separated host:port pairs',
      'REDIS_KEY_PREFIX must not contain { or } (they would become a Redis Cluster hash tag)',
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: '127.0.0.1:99999' })).toEqual(['REDIS_CLUSTER_NODES must be comma-separated host:port pairs']);
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toEqual([
      'REDIS_CLUSTER_NODES set either REDIS_URL or REDIS_CLUSTER_NODES, not both',
    ]);
  });

  it('generates the first admin by default in development only, named by ADMIN_USERNAME and ADMIN_EMAIL if set', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/x' }).generatedAdmin).toEqual({ username: 'admin', email: 'admin@example.com', credentialsFile: '/tmp/x/first-admin.txt' });
    expect(loadConfig({ ADMIN_USERNAME: 'boss', ADMIN_EMAIL: 'boss@example.com' }).generatedAdmin).toMatchObject({ username: 'boss', email: 'boss@example.com' });
    expect(loadConfig({ NODE_ENV: 'test' }).generatedAdmin).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret, DATABASE_URL: productionDb, MFA_ENCRYPTION_KEY: mfaKey }).generatedAdmin).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret, DATABASE_URL: productionDb, MFA_ENCRYPTION_KEY: mfaKey, ADMIN_GENERATE: 'true' }).generatedAdmin).toMatchObject({ username: 'admin' });
    expect(loadConfig({ ADMIN_GENERATE: 'false' }).generatedAdmin).toBeUndefined();
    // A given password wins: nothing is generated.
    const given = loadConfig({ ADMIN_USERNAME: 'root', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'Sup3r-secret!' });
    expect(given.generatedAdmin).toBeUndefined();
    expect(() => loadConfig({ ADMIN_GENERATE: 'perhaps' })).toThrow(/ADMIN_GENERATE/);
  });

  describe('MFA and passkeys', () => {
    it('lets production start without MFA_ENCRYPTION_KEY (MFA answers 503 then), and names a malformed one without echoing it', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret, DATABASE_URL: productionDb }).mfa.encryptionKey).toBeUndefined();
      let problem: unknown;
      try {
        loadConfig({ MFA_ENCRYPTION_KEY: 'k1:c2hvcnQ=' });
      } catch (error) {
        problem = error;
      }
      expect(problem).toBeInstanceOf(ConfigError);
      expect((problem as ConfigError).problems).toEqual([expect.stringMatching(/^MFA_ENCRYPTION_KEY .*32 bytes/)]);
      expect((problem as Error).message).not.toContain('c2hvcnQ=');
      expect(loadConfig({ MFA_ENCRYPTION_KEY: mfaKey }).mfa.encryptionKey).toBe(mfaKey);
      expect(loadConfig({}).mfa).toEqual({ encryptionKey: undefined, requiredRoles: [] });
    });

    it('reads MFA_REQUIRED_ROLES as roles, refusing unknown ones', () => {
      expect(loadConfig({ MFA_REQUIRED_ROLES: 'admin, moderator' }).mfa.requiredRoles).toEqual(['admin', 'moderator']);
      expect(() => loadConfig({ MFA_REQUIRED_ROLES: 'admin,root' })).toThrow(/MFA_REQUIRED_ROLES/);
    });

    it('reads the WebAuthn relying party, and names every bad variable at once', () => {
      expect(loadConfig({}).webauthn).toEqual({ rpId: 'localhost', rpName: 'User API', origins: ['http://localhost:8000'] });
      expect(loadConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com,https://id.example.com' }).webauthn.origins).toEqual(['https://example.com', 'https://id.example.com']);
      let problem: unknown;
      try {
        loadConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://example.com/login', MFA_REQUIRED_ROLES: 'root', MFA_ENCRYPTION_KEY: 'nonsense' });
      } catch (error) {
        problem = error;
      }
      const named = (problem as ConfigError).problems.map((line) => line.split(' ')[0]).sort();
      expect(named).toEqual(['MFA_ENCRYPTION_KEY', 'MFA_REQUIRED_ROLES.0', 'WEBAUTHN_ORIGINS.0'].sort());
      // An origin off the relying party's domain could never sign in.
      expect(() => loadConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil.test' })).toThrow(/WEBAUTHN_ORIGINS https:\/\/evil.test is not on example.com/);
    });
  });

  describe('mail', () => {
    it('defaults to files under DATA_DIR with links on PUBLIC_URL/account, and PUBLIC_URL follows PORT', () => {
      expect(loadConfig({ PORT: '9000' }).mail).toEqual({
        smtpUrl: undefined,
        transport: undefined,
        from: '"User API" <no-reply@localhost>',
        appName: 'User API',
        publicUrl: 'http://localhost:9000',
        linkBaseUrl: 'http://localhost:9000/account',
        requireVerifiedEmail: false,
        passwordResetEnabled: true,
      });
      const own = loadConfig({ PUBLIC_URL: 'https://id.example.com/', ACCOUNT_LINK_BASE_URL: 'https://app.example.com/me/', SMTP_URL: 'smtps://u:p@mail.example.com:465' }).mail;
      expect([own.publicUrl, own.linkBaseUrl, own.smtpUrl]).toEqual(['https://id.example.com', 'https://app.example.com/me', 'smtps://u:p@mail.example.com:465']);
    });

    it('names every bad mail variable at once', () => {
      let problem: unknown;
      try {
        loadConfig({ SMTP_URL: 'http://mail', PUBLIC_URL: 'ftp://x', REQUIRE_VERIFIED_EMAIL: 'yes', RATE_LIMIT_EMAIL_PER_ADDRESS: 'many' });
      } catch (error) {
        problem = error;
      }
      const named = (problem as ConfigError).problems.map((line) => line.split(' ')[0]).sort();
      expect(named).toEqual(['PUBLIC_URL', 'RATE_LIMIT_EMAIL_PER_ADDRESS', 'REQUIRE_VERIFIED_EMAIL', 'SMTP_URL']);
      expect(() => loadConfig({ MAIL_TRANSPORT: 'smtp' })).toThrow(/SMTP_URL is required when MAIL_TRANSPORT=smtp/);
      expect(() => loadConfig({ MAIL_TRANSPORT: 'files', SMTP_URL: 'smtp://mail:25' })).toThrow(/MAIL_TRANSPORT is files, but SMTP_URL is set/);
    });

    it('warns about production without SMTP_URL, unless files is what the operator chose or nothing sends mail', () => {
      const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: productionDb };
      expect(mailTransportWarning(loadConfig(production))).toMatch(/SMTP_URL is not set/);
      expect(mailTransportWarning(loadConfig({ ...production, MAIL_TRANSPORT: 'files' }))).toBeNull();
      expect(mailTransportWarning(loadConfig({ ...production, SMTP_URL: 'smtp://mail:25' }))).toBeNull();
      expect(mailTransportWarning(loadConfig({ ...production, SIGNUP_ENABLED: 'false', PASSWORD_RESET_ENABLED: 'false' }))).toBeNull();
      expect(mailTransportWarning(loadConfig({}))).toBeNull();
    });
  });
});
