import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import Redis from 'ioredis';
import { REDIS_AVAILABLE, REDIS_URL } from './redis-mode';
import { DEFAULT_PG_ADMIN_URL } from './test-postgres';
import { type RunningServer, startServer } from '../../src/app/server';
import { type Config, loadConfig } from '../../src/platform/config/config';
import { createLogger } from '../../src/platform/observability/logger';

// Set by jest's globalSetup (tests/support/test-postgres.ts): the real PostgreSQL, or the run's embedded one.
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL;
// Real Redis when one answers (TEST_REDIS_URL, REDIS_URL, else the local default), else in-process stores.
export { REDIS_AVAILABLE, REDIS_URL } from './redis-mode';

/** The revocation epoch's read (src/auth/revocation/revocation-epoch.ts), sent by its poll's timer. */
const EPOCH_READ = /^\[query\] select "epoch"::text as "epoch" from "revocation_epoch" where "id" = 1\b/;

export interface TestServer extends RunningServer {
  config: Config;
  databaseName: string;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /**
   * Every SQL statement the server sent, in order, but the revocation epoch's read: its backstop poll
   * runs on a timer (every REVOCATION_EPOCH_POLL_SECONDS) and would land in any window a test takes
   * around a request, one time in so many.
   */
  queries: string[];
  stop(): Promise<void>;
}

/**
 * A real server on a loopback port, with its own fresh PostgreSQL database and its own Redis key
 * prefix, so test files never share state. `stop` drops the database and deletes the keys.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const databaseName = `uma_test_${suffix}`;
  const keyPrefix = `uma-test:${suffix}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'uma-test-data-'));
  const databaseUrl = new URL(PG_ADMIN_URL);
  databaseUrl.pathname = `/${databaseName}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl.toString(),
    // A cluster given in `env` replaces the single Redis (the two cannot be combined).
    ...(REDIS_AVAILABLE && !env.REDIS_CLUSTER_NODES ? { REDIS_URL } : {}),
    REDIS_KEY_PREFIX: keyPrefix,
    LOG_LEVEL: 'info',
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Required in production; the suites that start a production server need one too.
    MFA_ENCRYPTION_KEY: `t1:${randomBytes(32).toString('base64')}`,
    // No generated admin (on by default in development): a suite asks for one with a DATA_DIR of its own.
    ADMIN_GENERATE: 'false',
    // The cheapest argon2id allowed keeps suites fast; production defaults are tested in the hasher's own test.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    DB_POOL_MAX: '5',
    // Every suite calls from 127.0.0.1; the rate-limit suites set their own small limits.
    RATE_LIMIT_AUTH_PER_IP: '100000/60',
    RATE_LIMIT_SIGNUP_PER_IP: '100000/3600',
    RATE_LIMIT_READ_PER_IP: '100000/3600',
    RATE_LIMIT_WRITE_PER_IP: '100000/3600',
    RATE_LIMIT_READ_PER_USER: '100000/3600',
    RATE_LIMIT_WRITE_PER_USER: '100000/3600',
    RATE_LIMIT_EMAIL_PER_IP: '100000/3600',
    // Mails without SMTP_URL go to DATA_DIR/mail: a directory of this server's own, never the checkout's ./data.
    DATA_DIR: dataDir,
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const queries: string[] = [];
  const record = (sql: string) => {
    if (!EPOCH_READ.test(sql)) queries.push(sql);
  };
  const running = await startServer(config, { logger: createLogger(config.logLevel, sink), onQuery: record });
  return {
    ...running,
    config,
    databaseName,
    logs,
    queries,
    async stop() {
      await running.close();
      await dropDatabase(databaseName);
      rmSync(dataDir, { recursive: true, force: true });
      // A cluster's keys go with the cluster, which its test kills.
      if (REDIS_AVAILABLE && !env.REDIS_CLUSTER_NODES) await deleteKeys(keyPrefix);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
