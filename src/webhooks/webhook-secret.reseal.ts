import type { EntityManager } from '@mikro-orm/core';
import type { SecretBox } from '../platform/crypto/secret.box';
import { type ResealReport, resealRows } from '../platform/crypto/reseal.batches';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { webhookSecretContext } from './webhook.signer';

/**
 * The webhooks' part of a key rotation (docs/key-rotation.md, `npm run mfa:reseal`): each signing
 * secret (and a previous one still in force) sealed under an older key is sealed again under the
 * active one. Each update names the ciphertexts it replaces, so a rotation meanwhile is not undone.
 * Once it reports 0 re-sealed, the old key can leave the ring without silencing any webhook.
 */
export function resealWebhookSecrets(em: EntityManager, box: SecretBox, batchSize = 500): Promise<ResealReport> {
  return resealRows(em, WebhookEndpoint, ['id', 'secretSealed', 'previousSecretSealed'], batchSize, async (fork, row) => {
    const stale = (sealed: string | null): sealed is string => sealed !== null && box.isStale(sealed);
    if (!stale(row.secretSealed) && !stale(row.previousSecretSealed)) return 'fresh';
    const context = webhookSecretContext(row.id);
    const changes = {
      secretSealed: stale(row.secretSealed) ? box.reseal(row.secretSealed, context) : row.secretSealed,
      previousSecretSealed: stale(row.previousSecretSealed) ? box.reseal(row.previousSecretSealed, context) : row.previousSecretSealed,
    };
    const updated = await fork.nativeUpdate(WebhookEndpoint, { id: row.id, secretSealed: row.secretSealed, previousSecretSealed: row.previousSecretSealed }, changes);
    return updated === 1 ? 'resealed' : 'skipped';
  });
}
