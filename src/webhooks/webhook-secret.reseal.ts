import type { EntityManager } from '@mikro-orm/core';
import type { SecretBox } from '../platform/crypto/secret.box';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { webhookSecretContext } from './webhook.signer';

export interface WebhookResealReport {
  scanned: number;
  resealed: number;
  /** Endpoints whose secrets changed while being re-sealed (a rotation): already under the active key. */
  skipped: number;
}

/**
 * The webhooks' part of a key rotation (docs/key-rotation.md, `npm run mfa:reseal`): each signing
 * secret (and a previous one still in force) sealed under an older key is sealed again under the
 * active one. Each update names the ciphertexts it replaces, so a rotation meanwhile is not undone.
 * Once it reports 0 re-sealed, the old key can leave the ring without silencing any webhook.
 */
export async function resealWebhookSecrets(em: EntityManager, box: SecretBox, batchSize = 500): Promise<WebhookResealReport> {
  const report: WebhookResealReport = { scanned: 0, resealed: 0, skipped: 0 };
  let after: string | undefined;
  for (;;) {
    const fork = em.fork();
    const rows = await fork.find(WebhookEndpoint, after === undefined ? {} : { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: batchSize, fields: ['id', 'secretSealed', 'previousSecretSealed'] });
    if (rows.length === 0) return report;
    for (const row of rows) {
      report.scanned += 1;
      const context = webhookSecretContext(row.id);
      const stale = (sealed: string | null) => sealed !== null && box.isStale(sealed);
      if (!stale(row.secretSealed) && !stale(row.previousSecretSealed)) continue;
      const changes = {
        secretSealed: stale(row.secretSealed) ? box.reseal(row.secretSealed, context) : row.secretSealed,
        previousSecretSealed: row.previousSecretSealed !== null && stale(row.previousSecretSealed) ? box.reseal(row.previousSecretSealed, context) : row.previousSecretSealed,
      };
      const updated = await fork.nativeUpdate(WebhookEndpoint, { id: row.id, secretSealed: row.secretSealed, previousSecretSealed: row.previousSecretSealed }, changes);
      if (updated === 1) report.resealed += 1;
      else report.skipped += 1;
    }
    after = rows[rows.length - 1].id;
  }
}
