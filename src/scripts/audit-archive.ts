import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config/config';
import { AuditLog } from '../audit/audit-log.entity';
import { runScript, withDatabase } from './script-runner';

/** `npm run audit:archive -- --before 2026-01-01`: moves older audit entries to audit_logs_archive. */
async function run(): Promise<void> {
  const { values } = parseArgs({ options: { before: { type: 'string' } } });
  const before = values.before ? new Date(values.before) : undefined;
  if (!before || Number.isNaN(before.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.before ?? '')) {
    process.stderr.write('Usage: npm run audit:archive -- --before YYYY-MM-DD[THH:MM:SSZ]\n');
    process.exit(2);
  }
  const config = loadConfig();
  const moved = await withDatabase(config, (orm) => orm.em.fork().getRepository(AuditLog).archive(before));
  process.stdout.write(`Archived ${moved} audit entries older than ${before.toISOString()}.\n`);
}

runScript(run);
