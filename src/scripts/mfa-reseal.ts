import 'reflect-metadata';
import { loadConfig } from '../platform/config/config';
import { loadKeyRing } from '../platform/crypto/key-ring.loader';
import { SecretBox } from '../platform/crypto/secret.box';
import { resealTotpSecrets } from '../mfa/totp/totp-secret.reseal';
import { resealWebhookSecrets } from '../webhooks/webhook-secret.reseal';
import { runScript, withDatabase } from './script-runner';

/**
 * `node dist/scripts/mfa-reseal.js`: re-seals every TOTP secret and webhook signing secret under the
 * active key of MFA_ENCRYPTION_KEY (see docs/key-rotation.md). Prints counts only, never a secret.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const { ring } = loadKeyRing({ nodeEnv: config.env, spec: config.mfa.encryptionKey, dataDir: config.dataDir });
  const box = new SecretBox(ring);
  const [report, webhooks] = await withDatabase(config, async (orm) => [await resealTotpSecrets(orm.em.fork(), box), await resealWebhookSecrets(orm.em.fork(), box)] as const);
  process.stdout.write(`Active key ${ring.active.id}: scanned ${report.scanned}, re-sealed ${report.resealed}, changed meanwhile ${report.skipped}.\n`);
  process.stdout.write(`Webhook secrets: scanned ${webhooks.scanned}, re-sealed ${webhooks.resealed}, changed meanwhile ${webhooks.skipped}.\n`);
}

runScript(run);
