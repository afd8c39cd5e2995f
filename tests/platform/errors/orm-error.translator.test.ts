import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError, ServiceUnavailableError } from '../../../src/platform/errors/domain.errors';
import { translateOrmError, withOrmErrors } from '../../../src/platform/errors/orm-error.translator';

function errorWith(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

/** As MikroORM rethrows a driver error: a DriverException carrying the original's fields. */
function wrapped(error: Error): DriverException {
  return new DriverException(error);
}

describe('translateOrmError: the database being away is 503, not 500', () => {
  const unavailable: [string, Error][] = [
    ['connection refused (raw, from the pool)', errorWith('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED', errno: -111 })],
    ['connection refused (wrapped by MikroORM)', wrapped(errorWith('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }))],
    ['connection reset', errorWith('read ECONNRESET', { code: 'ECONNRESET' })],
    ['host unknown', errorWith('getaddrinfo ENOTFOUND db', { code: 'ENOTFOUND' })],
    ['57P01 admin shutdown', wrapped(errorWith('terminating connection due to administrator command', { code: '57P01' }))],
    ['57P03 starting up', errorWith('the database system is starting up', { code: '57P03' })],
    ['08006 connection failure', errorWith('connection failure', { code: '08006' })],
    ['53300 too many connections', errorWith('sorry, too many clients already', { code: '53300' })],
    ['pg: connection terminated', errorWith('Connection terminated unexpectedly')],
    ['pg: client not queryable', errorWith('Client has encountered a connection error and is not queryable')],
    ['knex: pool timeout', wrapped(errorWith('Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?'))],
  ];

  it.each(unavailable)('%s', (_name, error) => {
    const translated = translateOrmError(error);
    expect(translated).toBeInstanceOf(ServiceUnavailableError);
    expect((translated as Error).message).toBe('The database is unavailable.');
  });

  it('leaves other database errors and plain bugs alone, and still maps unique violations to 409', () => {
    const syntax = wrapped(errorWith('syntax error at or near "selec"', { code: '42601' }));
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    // Unknown, so it stays an unknown error (a 500), but with the reason only: never the statement and its parameters.
    expect(translateOrmError(syntax)).toMatchObject({ name: 'DriverException', message: 'database error 42601: syntax error at or near "selec"', code: '42601' });
    expect(translateOrmError(bug)).toBe(bug);
    expect(translateOrmError('a string')).toBe('a string');
    expect(translateOrmError(null)).toBeNull();
    const duplicate = new UniqueConstraintViolationException(errorWith('duplicate key value violates unique constraint "users_email_key_unique"', { code: '23505' }));
    expect(translateOrmError(duplicate)).toEqual(new ConflictError('A user with this email already exists.', 'email'));
  });

  it('withOrmErrors rethrows the translation', async () => {
    await expect(withOrmErrors(() => Promise.reject(errorWith('connect ECONNREFUSED', { code: 'ECONNREFUSED' })))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
