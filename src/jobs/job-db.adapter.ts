import type { EntityManager } from '@mikro-orm/postgresql';
import { JobTransactionError } from './job.errors';

/** What pg-boss runs its statements on when a job must join the caller's transaction. */
export interface JobDb {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A node-postgres client (or pool client) in the middle of BEGIN ... COMMIT. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Where a job can be written: a MikroORM EntityManager inside `em.transactional`, a pg client, or pg-boss's own shape. */
export type TransactionHandle = EntityManager | PgQueryable | JobDb;

function isEntityManager(handle: TransactionHandle): handle is EntityManager {
  return typeof (handle as EntityManager).getTransactionContext === 'function' && typeof (handle as EntityManager).getConnection === 'function';
}

/**
 * pg-boss writes `$1`-style placeholders; MikroORM's `execute` takes `?` and inlines the values
 * itself. Each `$n` becomes a `?` with its value, so repeated or reordered placeholders still work.
 */
export function toQuestionMarks(text: string, values: unknown[]): { sql: string; params: unknown[] } {
  if (text.includes('?')) {
    // A literal `?` would be read as a placeholder and shift every value after it.
    throw new JobTransactionError('a statement with a literal "?" cannot be run through the EntityManager');
  }
  const params: unknown[] = [];
  const sql = text.replace(/\$(\d+)/g, (_match, position: string) => {
    const index = Number(position) - 1;
    if (index < 0 || index >= values.length) throw new JobTransactionError(`placeholder $${position} has no value`);
    params.push(values[index]);
    return '?';
  });
  return { sql, params };
}

/**
 * The job is written with the caller's connection, so it commits or rolls back with the caller's
 * own writes: no job for a rolled-back sign-up, no lost job for a committed one.
 */
export function jobDbOf(handle: TransactionHandle): JobDb {
  if ('executeSql' in handle && typeof handle.executeSql === 'function') return handle;
  if (isEntityManager(handle)) {
    const em = handle;
    return {
      async executeSql(text, values) {
        const transaction = em.getTransactionContext();
        // Outside a transaction the job would be written at once, whatever happens to the caller's work.
        if (!transaction) throw new JobTransactionError('enqueue with an EntityManager needs a transaction (call it inside em.transactional)');
        const { sql, params } = toQuestionMarks(text, values ?? []);
        const rows = await em.getConnection().execute<unknown[]>(sql, params, 'all', transaction);
        return { rows };
      },
    };
  }
  const client = handle as PgQueryable;
  return { executeSql: (text, values) => client.query(text, values) };
}
