import { spawnSync } from 'node:child_process';

/** The Redis the integration tests use when one answers (CI sets REDIS_URL). */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Asked synchronously, in a child process, because test files decide between `describe` and
 * `describe.skip` while they are collected, before any hook could await.
 */
function redisAnswers(url: string): boolean {
  const probe = `
    const Redis = require(process.argv[1]);
    const redis = new Redis(process.argv[2], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
    redis.on('error', () => undefined);
    redis.connect().then(() => redis.ping()).then(() => process.exit(0), () => process.exit(1));
  `;
  // Generous: on a loaded machine a new node process alone can take seconds to start (a suite once
  // failed here before running). A Redis that is not there still answers at once: connection refused.
  const result = spawnSync(process.execPath, ['-e', probe, require.resolve('ioredis'), url], { timeout: 30000, stdio: 'ignore' });
  return result.status === 0;
}

function decide(): boolean {
  const answers = redisAnswers(REDIS_URL);
  const where = REDIS_URL.replace(/\/\/[^@/]*@/, '//***@');
  if (answers) {
    process.stderr.write(`[tests] Redis answers at ${where}: real Redis\n`);
    return true;
  }
  // CI must test what production runs: never quietly trade Redis for the in-process stores there.
  if (process.env.CI === 'true') throw new Error(`CI=true but no Redis answers at ${where} (TEST_REDIS_URL / REDIS_URL); refusing to fall back to the in-process stores`);
  process.stderr.write(`[tests] no Redis answers at ${where}: in-process stores (no REDIS_URL); tests that need a real Redis are skipped\n`);
  return false;
}

export const REDIS_AVAILABLE = decide();

/** `describe` when a real Redis answers; otherwise `describe.skip`, after saying what is skipped and why. */
export function describeWithRedis(name: string, body: () => void): void {
  if (REDIS_AVAILABLE) return describe(name, body);
  process.stderr.write(`[tests] skipped "${name}": it needs a real Redis\n`);
  describe.skip(name, body);
}

/** What /ready reports about Redis in this run: `redis: ok` with a real Redis, nothing in process. */
export const REDIS_READY_CHECK: Record<string, 'ok'> = REDIS_AVAILABLE ? { redis: 'ok' } : {};

/** `it` when a real Redis answers (the test looks inside it); otherwise `it.skip`, saying so. */
export function itWithRedis(name: string, test: jest.ProvidesCallback, timeout?: number): void {
  if (REDIS_AVAILABLE) return it(name, test, timeout);
  process.stderr.write(`[tests] skipped "${name}": it inspects a real Redis\n`);
  it.skip(name, test);
}
