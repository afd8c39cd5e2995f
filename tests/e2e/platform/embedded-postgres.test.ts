import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { connectDatabase, ensureDatabaseExists, migrate } from '../../../src/platform/db/database';
import { EMBEDDED_POSTGRES_MAJOR, EmbeddedPostgres } from '../../../src/platform/db/embedded-postgres';
import { migrationsList } from '../../../src/migrations';

jest.setTimeout(60_000);

async function query<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('EmbeddedPostgres', () => {
  let dataDir: string;
  let postgres: EmbeddedPostgres;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'uma-embedded-'));
    // Run as root, the server runs as the postgres user, which must be able to enter the directory.
    chmodSync(dataDir, 0o755);
    postgres = new EmbeddedPostgres({ dataDir });
    url = await postgres.start('user_api');
  });
  afterAll(async () => {
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the pinned PostgreSQL on loopback with a password kept beside it, readable by its owner only', async () => {
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(statSync(join(dataDir, 'postgres-password')).mode & 0o777).toBe(0o600);
    const [{ server_version }] = await query<{ server_version: string }>(postgres.url(), 'show server_version');
    expect(Number(server_version.split('.')[0])).toBe(EMBEDDED_POSTGRES_MAJOR);
    const wrong = new URL(postgres.url());
    wrong.password = 'not-the-password';
    await expect(query(wrong.toString(), 'select 1')).rejects.toThrow(/password authentication failed/);
  });

  it('takes our migrations (pg_trgm GIN, partial unique lower() indexes) in a database it creates', async () => {
    const settings = { databaseUrl: url, poolMax: 2 };
    await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    try {
      expect(await migrate(orm)).toEqual(migrationsList.map((migration) => migration.name));
      const insert = (username: string) =>
        orm.em.getConnection().execute(
          `insert into users (id, username, email, password_hash, first_name, last_name, created_at, updated_at) values (gen_random_uuid(), ?, ?, 'x', 'A', 'B', now(), now())`,
          [username, `${username}@example.com`],
        );
      await insert('Émile');
      // ICU case mapping: the same letters in another case are the same name, on every OS.
      await expect(insert('éMILE')).rejects.toThrow(/users_username_lower_unique/);
      const trigram = (await orm.em.getConnection().execute(`select indexname from pg_indexes where tablename = 'users' and indexdef like '%USING gin%gin_trgm_ops%' order by 1`)) as { indexname: string }[];
      expect(trigram.map((row) => row.indexname)).toEqual(['users_email_trgm_idx', 'users_first_name_trgm_idx', 'users_last_name_trgm_idx', 'users_username_trgm_idx']);
    } finally {
      await orm.close(true);
    }
  });

  it('creates and drops further databases, as the test files do', async () => {
    await query(postgres.url(), 'create database uma_scratch');
    await query(postgres.url('uma_scratch'), 'create table t (x int)');
    await query(postgres.url(), 'drop database uma_scratch with (force)');
    expect(await query(postgres.url(), "select 1 from pg_database where datname = 'uma_scratch'")).toEqual([]);
  });

  it('keeps the data across a stop and a start', async () => {
    await postgres.stop();
    await expect(query(url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
    url = await postgres.start('user_api');
    expect(await query(url, 'select username from users')).toEqual([{ username: 'Émile' }]);
  });

  it('shares a server whose starter still runs, and adopts one whose starter died without stopping it', async () => {
    // The owner file names a live process that is not this one: the app, say, while `npm run migrate` runs.
    const starter = spawn('sleep', ['60']);
    writeFileSync(join(dataDir, 'postgres.owner'), `${starter.pid}\n`);
    const sharing = new EmbeddedPostgres({ dataDir });
    expect(await sharing.start('user_api')).toBe(url);
    await sharing.stop();
    expect(await query(url, 'select count(*)::int as n from users')).toEqual([{ n: 1 }]);

    // The starter dies as kill -9 would leave it: the server runs on, and the next start takes it over.
    starter.kill('SIGKILL');
    await once(starter, 'exit');
    const warnings: string[] = [];
    const adopting = new EmbeddedPostgres({ dataDir, warn: (message) => warnings.push(message) });
    expect(await adopting.start('user_api')).toBe(url);
    expect(warnings).toEqual([expect.stringMatching(/^Adopted the PostgreSQL left running/)]);
    await adopting.stop();
    await expect(query(url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
    url = await postgres.start('user_api');
  });
});
