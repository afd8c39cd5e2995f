import 'reflect-metadata';
import { ConfigError, loadConfig } from '../platform/config/config';
import { connectDatabase, ensureDatabaseExists, migrate } from '../platform/db/database';
import { openDatabaseSource } from '../platform/db/database.source';

/** `npm run migrate`: applies pending migrations, for deployments that run them as a separate step. */
async function run(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabaseSource(config, (message) => process.stderr.write(`${message}\n`));
  try {
    const settings = { databaseUrl: database.url, poolMax: 2 };
    await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    try {
      const applied = await migrate(orm);
      process.stdout.write(applied.length > 0 ? `Applied: ${applied.join(', ')}\n` : 'Nothing to migrate.\n');
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
