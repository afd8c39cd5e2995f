import 'reflect-metadata';
import { ConfigError, loadConfig } from '../platform/config/config';
import { loadKeyRing } from '../platform/crypto/key-ring.loader';
import { SecretBox } from '../platform/crypto/secret.box';
import { connectDatabase } from '../platform/db/database';
import { openDatabaseSource } from '../platform/db/database.source';
import { resealTotpSecrets } from '../mfa/totp/totp-secret.reseal';

/**
 * `node dist/scripts/mfa-reseal.js`: re-seals every TOTP secret under the active key of
 * MFA_ENCRYPTION_KEY (see docs/key-rotation.md). Prints counts only, never a secret.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const { ring } = loadKeyRing({ nodeEnv: config.env, spec: process.env.MFA_ENCRYPTION_KEY, dataDir: config.dataDir });
  const database = await openDatabaseSource(config, (message) => process.stderr.write(`${message}\n`));
  try {
    const orm = await connectDatabase({ databaseUrl: database.url, poolMax: 2 });
    try {
      const report = await resealTotpSecrets(orm.em.fork(), new SecretBox(ring));
      process.stdout.write(`Active key ${ring.active.id}: scanned ${report.scanned}, re-sealed ${report.resealed}, changed meanwhile ${report.skipped}.\n`);
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
