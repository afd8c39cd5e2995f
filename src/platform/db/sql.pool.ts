import { Pool, type PoolClient } from 'pg';

/** Plain SQL with $1 parameters: what the background loops (event relay, webhook deliveries) speak. */
export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface SqlPool extends Sql {
  /** Runs `work` in a transaction on one connection: commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

/**
 * A small pool of its own for the background loops, beside the ORM's: their polling never takes a
 * connection a request is waiting for, and their statements are not the requests' (the ORM's query
 * log stays what the requests sent).
 */
export function openSqlPool(connectionString: string, options: { max: number; applicationName: string; onError?: (error: Error) => void }): SqlPool {
  const pool = new Pool({ connectionString, max: options.max, application_name: options.applicationName });
  // An idle connection the server closed (a restart) must not crash the process.
  pool.on('error', (error) => options.onError?.(error));
  const on = (client: Pool | PoolClient): Sql => ({
    query: async <R extends object>(text: string, params: readonly unknown[] = []) => (await client.query<R>(text, params as unknown[])).rows,
  });
  return {
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('begin');
        const result = await work(on(client));
        await client.query('commit');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is dropped rather than handed to the next caller.
        broken = await client.query('rollback').then(
          () => false,
          () => true,
        );
        throw error;
      } finally {
        client.release(broken);
      }
    },
    end: () => pool.end(),
  };
}
