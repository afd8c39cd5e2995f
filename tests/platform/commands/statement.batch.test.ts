import { StatementBatch } from '../../../src/platform/commands/statement.batch';

/** An EntityManager that records what it is asked to execute. */
function recordingEm() {
  const sent: { sql: string; params: unknown[] }[] = [];
  return { em: { execute: async (sql: string, params: unknown[]) => void sent.push({ sql, params }) } as never, sent };
}

describe('StatementBatch (no database)', () => {
  it('sends nothing when nothing was staged', async () => {
    const { em, sent } = recordingEm();
    await new StatementBatch().execute(em);
    expect(sent).toEqual([]);
  });

  it('sends one staged statement as it is', async () => {
    const { em, sent } = recordingEm();
    const batch = new StatementBatch();
    batch.add('insert into "a" ("x") values (?)', [1]);
    await batch.execute(em);
    expect(sent).toEqual([{ sql: 'insert into "a" ("x") values (?)', params: [1] }]);
  });

  it('sends several as the members of one WITH, in order, their parameters in the same order, each once', async () => {
    const { em, sent } = recordingEm();
    const batch = new StatementBatch();
    const counter = batch.add('insert into "c" ("k") values (?) returning "n"', ['k1'], [{ row: 'c' }]);
    batch.add(`insert into "r" ("n") values ((select "n" from "${counter}") - ?)`, [0], [{ row: 'r' }]);
    expect(batch.size).toBe(2);
    expect(batch.rows()).toEqual([{ row: 'c' }, { row: 'r' }]);
    await batch.execute(em);
    expect(sent).toHaveLength(1);
    expect(sent[0].sql).toBe(`with "staged_1" as (insert into "c" ("k") values (?) returning "n"),\n"staged_2" as (insert into "r" ("n") values ((select "n" from "staged_1") - ?))\nselect 1`);
    expect(sent[0].params).toEqual(['k1', 0]);
    // Sent once: a second execute has nothing left.
    await batch.execute(em);
    expect(sent).toHaveLength(1);
  });
});
