import type { EntityManager } from '@mikro-orm/core';
import type { SecretBox } from '../../platform/crypto/secret.box';
import { MfaTotp } from './mfa-totp.entity';
import { totpSecretContext } from './totp-secret.seal';

export interface ResealReport {
  scanned: number;
  resealed: number;
  /** Rows that changed while being re-sealed (a new setup): already under the active key, left alone. */
  skipped: number;
}

/**
 * The second half of a key rotation (docs/key-rotation.md): every TOTP secret sealed under an older
 * key is opened and sealed again under the active one, in batches, by keyset pagination. Each update
 * names the old ciphertext, so a secret replaced meanwhile by a new setup is not overwritten.
 * Safe to run again and to interrupt; once it reports 0 resealed, the old key can leave the ring.
 */
export async function resealTotpSecrets(em: EntityManager, box: SecretBox, batchSize = 500): Promise<ResealReport> {
  const report: ResealReport = { scanned: 0, resealed: 0, skipped: 0 };
  let after: string | undefined;
  for (;;) {
    const fork = em.fork();
    const rows = await fork.find(
      MfaTotp,
      after === undefined ? {} : { id: { $gt: after } },
      { orderBy: { id: 'asc' }, limit: batchSize, fields: ['id', 'user', 'secretSealed'] },
    );
    if (rows.length === 0) return report;
    for (const row of rows) {
      report.scanned += 1;
      if (!box.isStale(row.secretSealed)) continue;
      const resealed = box.reseal(row.secretSealed, totpSecretContext(row.user.id));
      const updated = await fork.nativeUpdate(MfaTotp, { id: row.id, secretSealed: row.secretSealed }, { secretSealed: resealed });
      if (updated === 1) report.resealed += 1;
      else report.skipped += 1;
    }
    after = rows[rows.length - 1].id;
  }
}
