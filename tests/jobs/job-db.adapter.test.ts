import { jobDbOf, toQuestionMarks } from '../../src/jobs/job-db.adapter';
import { JobTransactionError } from '../../src/jobs/job.errors';
import { deadLetterName, JobQueue } from '../../src/jobs/job.queue';

describe('toQuestionMarks', () => {
  it('turns $n placeholders into ? with their values in order, repeated and reordered ones included', () => {
    expect(toQuestionMarks('select $2, $1, $2', ['a', 'b'])).toEqual({ sql: 'select ?, ?, ?', params: ['b', 'a', 'b'] });
    expect(toQuestionMarks('select 1', [])).toEqual({ sql: 'select 1', params: [] });
  });

  it('refuses a literal ? (it would shift every value) and a placeholder without a value', () => {
    expect(() => toQuestionMarks("select '?' , $1", ['a'])).toThrow(JobTransactionError);
    expect(() => toQuestionMarks('select $2', ['a'])).toThrow(/\$2 has no value/);
  });
});

describe('jobDbOf', () => {
  it('passes a pg client through with its $n placeholders', async () => {
    const query = jest.fn(async () => ({ rows: [{ id: 'x' }] }));
    await expect(jobDbOf({ query }).executeSql('select $1', ['v'])).resolves.toEqual({ rows: [{ id: 'x' }] });
    expect(query).toHaveBeenCalledWith('select $1', ['v']);
  });

  it('runs on an EntityManager\'s transaction, and refuses one outside a transaction', async () => {
    const execute = jest.fn(async () => [{ id: 'x' }]);
    const transaction = { trx: true };
    const inTransaction = { getTransactionContext: () => transaction, getConnection: () => ({ execute }) };
    await expect(jobDbOf(inTransaction as never).executeSql('insert $1', ['{"a":1}'])).resolves.toEqual({ rows: [{ id: 'x' }] });
    expect(execute).toHaveBeenCalledWith('insert ?', ['{"a":1}'], 'all', transaction);
    const outside = { getTransactionContext: () => undefined, getConnection: () => ({ execute }) };
    await expect(jobDbOf(outside as never).executeSql('insert $1', ['x'])).rejects.toThrow(/needs a transaction/);
    expect(execute).toHaveBeenCalledTimes(1);
  });
});

describe('JobQueue definitions', () => {
  it('names dead-letter queues after their queue unless told otherwise', () => {
    expect(deadLetterName({ name: 'mail.send' })).toBe('mail.send.dead');
    expect(deadLetterName({ name: 'a', deadLetter: 'graveyard' })).toBe('graveyard');
    expect(deadLetterName({ name: 'a', deadLetter: false })).toBeUndefined();
  });

  it('refuses names pg-boss would write unescaped into SQL', () => {
    const connectionString = 'postgres://nobody@127.0.0.1:1/none';
    expect(() => new JobQueue({ connectionString, queues: [{ name: "x'; drop" }] })).toThrow(/invalid queue name/);
    expect(() => new JobQueue({ connectionString, queues: [], schema: 'Bad-Schema' })).toThrow(/invalid job schema/);
  });

  it('refuses jobs and handlers for undeclared queues', async () => {
    const queue = new JobQueue({ connectionString: 'postgres://nobody@127.0.0.1:1/none', queues: [{ name: 'known' }] });
    expect(() => queue.handle('unknown', async () => undefined)).toThrow(/unknown queue/);
    await expect(queue.enqueue('unknown', {})).rejects.toThrow(/unknown queue/);
    queue.handle('known', async () => undefined);
    expect(() => queue.handle('known', async () => undefined)).toThrow(/already has a handler/);
  });
});
