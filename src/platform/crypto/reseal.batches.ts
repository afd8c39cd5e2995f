import type { EntityManager, EntityName } from '@mikro-orm/core';

export interface ResealReport {
  scanned: number;
  resealed: number;
  /** Rows that changed while being re-sealed (a new setup or a rotation): already under the active key, left alone. */
  skipped: number;
}

/** What re-sealing one row did: nothing was stale, it was re-sealed, or it changed meanwhile. */
export type ResealOutcome = 'fresh' | 'resealed' | 'skipped';

/**
 * The walk every re-seal of a key rotation takes (docs/key-rotation.md): all rows of `entity` by id,
 * in batches (keyset pagination, a fork per batch, so memory stays flat), counting what `reseal` did
 * to each. Safe to run again and to interrupt.
 */
export async function resealRows<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  fields: readonly string[],
  batchSize: number,
  reseal: (fork: EntityManager, row: T) => Promise<ResealOutcome>,
): Promise<ResealReport> {
  const report: ResealReport = { scanned: 0, resealed: 0, skipped: 0 };
  let after: string | undefined;
  for (;;) {
    const fork = em.fork();
    const where = (after === undefined ? {} : { id: { $gt: after } }) as never;
    const rows = (await fork.find(entity, where, { orderBy: { id: 'asc' } as never, limit: batchSize, fields: fields as never })) as T[];
    if (rows.length === 0) return report;
    for (const row of rows) {
      report.scanned += 1;
      const outcome = await reseal(fork, row);
      if (outcome !== 'fresh') report[outcome] += 1;
    }
    after = rows[rows.length - 1].id;
  }
}
