import type { EntityManager } from '@mikro-orm/core';
import type { SecretBox } from '../../platform/crypto/secret.box';
import { type ResealReport, resealRows } from '../../platform/crypto/reseal.batches';
import { MfaTotp } from './mfa-totp.entity';
import { totpSecretContext } from './totp-secret.seal';

export type { ResealReport };

/**
 * The second half of a key rotation (docs/key-rotation.md): every TOTP secret sealed under an older
 * key is opened and sealed again under the active one. Each update names the old ciphertext, so a
 * secret replaced meanwhile by a new setup is not overwritten. Once it reports 0 resealed, the old
 * key can leave the ring.
 */
export function resealTotpSecrets(em: EntityManager, box: SecretBox, batchSize = 500): Promise<ResealReport> {
  return resealRows(em, MfaTotp, ['id', 'user', 'secretSealed'], batchSize, async (fork, row) => {
    if (!box.isStale(row.secretSealed)) return 'fresh';
    const resealed = box.reseal(row.secretSealed, totpSecretContext(row.user.id));
    const updated = await fork.nativeUpdate(MfaTotp, { id: row.id, secretSealed: row.secretSealed }, { secretSealed: resealed });
    return updated === 1 ? 'resealed' : 'skipped';
  });
}
