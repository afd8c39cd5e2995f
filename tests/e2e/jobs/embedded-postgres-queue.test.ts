import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue } from '../../../src/jobs/job.queue';
import { EmbeddedPostgres } from '../../../src/platform/db/embedded-postgres';
import { connectDatabase } from '../../../src/platform/db/database';
import { eventually } from '../../support/scratch-database';

jest.setTimeout(120_000);

/** Zero-setup starts use the embedded PostgreSQL binaries: the queue must need no extension there. */
describe('JobQueue on the embedded PostgreSQL', () => {
  let dataDir: string;
  let postgres: EmbeddedPostgres;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'uma-embedded-jobs-'));
    // Run as root, the server runs as the postgres user, which must be able to enter the directory.
    chmodSync(dataDir, 0o755);
    postgres = new EmbeddedPostgres({ dataDir, durable: false });
    url = await postgres.start('user_api');
  });

  afterAll(async () => {
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('installs its schema without extensions, enqueues in a transaction and runs the job', async () => {
    const queue = new JobQueue({ connectionString: url, queues: [{ name: 'embedded' }], poolMax: 2 });
    const orm = await connectDatabase({ databaseUrl: url, poolMax: 2 });
    const seen: number[] = [];
    try {
      queue.handle<{ n: number }>('embedded', async ({ n }) => void seen.push(n), { pollIntervalMs: 100 });
      await queue.start();
      await orm.em.fork().transactional((em) => queue.enqueue('embedded', { n: 1 }, { db: em }));
      queue.wake();
      await eventually(() => expect(seen).toEqual([1]));
      const extensions = await orm.em.fork().execute<{ extname: string }[]>('select extname from pg_extension order by extname');
      expect(extensions.map((row) => row.extname)).toEqual(['plpgsql']);
    } finally {
      await queue.stop({ timeoutMs: 1000 });
      await orm.close(true);
    }
  });
});
