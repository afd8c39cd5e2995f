import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config/config';
import { connectDatabase } from '../platform/db/database';
import { openDatabaseSource } from '../platform/db/database.source';
import { AuditLog } from '../audit/audit-log.entity';

/** `npm run audit:archive -- --before 2026-01-01`: moves older audit entries to audit_logs_archive. */
async function run(): Promise<void> {
  const { values } = parseArgs({ options: { before: { type: 'string' } } });
  const before = values.before ? new Date(values.before) : undefined;
  if (!before || Number.isNaN(before.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.before ?? '')) {
    process.stderr.write('Usage: npm run audit:archive -- --before YYYY-MM-DD[THH:MM:SSZ]\n');
    process.exit(2);
  }
  const config = loadConfig();
  const database = await openDatabaseSource(config, (message) => process.stderr.write(`${message}\n`));
  try {
    const orm = await connectDatabase({ databaseUrl: database.url, poolMax: 2 });
    try {
      const moved = await orm.em.fork().getRepository(AuditLog).archive(before);
      process.stdout.write(`Archived ${moved} audit entries older than ${before.toISOString()}.\n`);
    } finally {
      await orm.close(true);
    }
  } finally {
    await database.stop();
  }
}

run().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
