import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config';
import { connectDatabase, ensureDatabaseExists, migrate } from '../db/database';

/** `npm run migrate`: applies pending migrations, for deployments that run them as a separate step. */
async function run(): Promise<void> {
  const config = loadConfig();
  const settings = { databaseUrl: config.databaseUrl, poolMax: 2 };
  await ensureDatabaseExists(settings);
  const orm = await connectDatabase(settings);
  try {
    const applied = await migrate(orm);
    process.stdout.write(applied.length > 0 ? `Applied: ${applied.join(', ')}\n` : 'Nothing to migrate.\n');
  } finally {
    await orm.close(true);
  }
}

run().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
