import 'reflect-metadata';
import { loadConfig } from '../platform/config/config';
import { migrate } from '../platform/db/database';
import { runScript, withDatabase } from './script-runner';

/** `npm run migrate`: applies pending migrations, for deployments that run them as a separate step. */
async function run(): Promise<void> {
  const config = loadConfig();
  const applied = await withDatabase(config, migrate, { create: true });
  process.stdout.write(applied.length > 0 ? `Applied: ${applied.join(', ')}\n` : 'Nothing to migrate.\n');
}

runScript(run);
