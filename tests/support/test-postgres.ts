import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/platform/db/embedded-postgres';

/** The machine's PostgreSQL, where the test files create and drop their databases. */
export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const shared = globalThis as { testEmbeddedPostgres?: { postgres: EmbeddedPostgres; dir: string } };

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const shown = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

/**
 * Jest's globalSetup: the real PostgreSQL when it answers (TEST_PG_ADMIN_URL, else the local
 * default); otherwise ONE embedded PostgreSQL for the whole run, handed to every test file through
 * TEST_PG_ADMIN_URL (workers inherit the environment). Under CI=true there is no fallback: CI must
 * test against the PostgreSQL it installed, so a dead one fails the run at once.
 */
export async function setupTestPostgres(): Promise<void> {
  const url = process.env.TEST_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL;
  if (await answers(url)) {
    process.stderr.write(`\n[tests] PostgreSQL answers at ${shown(url)}: real PostgreSQL\n`);
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but no PostgreSQL answers at ${shown(url)} (TEST_PG_ADMIN_URL); refusing to fall back to an embedded one`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'uma-test-pg-'));
  // Run as root, the server runs as the postgres user, which must be able to enter the directory.
  chmodSync(dir, 0o755);
  const started = Date.now();
  const postgres = new EmbeddedPostgres({ dataDir: dir, durable: false });
  process.env.TEST_PG_ADMIN_URL = await postgres.start();
  shared.testEmbeddedPostgres = { postgres, dir };
  process.stderr.write(
    `\n[tests] no PostgreSQL answers at ${shown(url)}: embedded PostgreSQL for this run at ${shown(process.env.TEST_PG_ADMIN_URL)} (${dir}, started in ${Date.now() - started} ms)\n`,
  );
}

export async function teardownTestPostgres(): Promise<void> {
  const embedded = shared.testEmbeddedPostgres;
  if (!embedded) return;
  shared.testEmbeddedPostgres = undefined;
  try {
    await embedded.postgres.stop();
  } finally {
    rmSync(embedded.dir, { recursive: true, force: true });
  }
}
