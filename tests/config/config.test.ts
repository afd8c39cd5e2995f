import { ConfigError, loadConfig } from '../../src/config/config';

const strongSecret = 'x'.repeat(32);

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

  it('refuses production without a JWT secret, and any short secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required in production/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 characters/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret }).env).toBe('production');
  });

  it('wants the bootstrap admin variables together', () => {
    expect(() => loadConfig({ ADMIN_USERNAME: 'root' })).toThrow(/must be set together/);
    const config = loadConfig({ ADMIN_USERNAME: 'root', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'Sup3r-secret!' });
    expect(config.bootstrapAdmin).toEqual({ username: 'root', email: 'root@example.com', password: 'Sup3r-secret!' });
  });
});
