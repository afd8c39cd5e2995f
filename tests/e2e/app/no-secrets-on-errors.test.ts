import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { connectDatabase, migrate } from '../../../src/platform/db/database';
import { safeErrorMessage } from '../../../src/platform/errors/secret-redaction';
import { createLogger } from '../../../src/platform/observability/logger';
import { useApiProcesses } from '../../support/api-process';

jest.setTimeout(120_000);

const HASH = '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';

/** A driver error as MikroORM makes it: the statement, with its parameters, in the message. */
function duplicateKeyError(): UniqueConstraintViolationException {
  const driverError = Object.assign(new Error(`insert into "users" ("username", "password_hash") values ('boss', '${HASH}') - duplicate key value violates unique constraint "users_username_lower_unique"`), {
    code: '23505',
    constraint: 'users_username_lower_unique',
  });
  return new UniqueConstraintViolationException(driverError);
}

describe('no error path prints a hash, token or secret', () => {
  it('safeErrorMessage keeps the driver’s reason and drops the statement and its parameters', () => {
    const message = safeErrorMessage(duplicateKeyError());
    expect(message).toBe('database error 23505: duplicate key value violates unique constraint "users_username_lower_unique"');
    expect(safeErrorMessage(new Error(`bad token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and ${HASH} at postgres://u:hunter2@db/x`))).toBe(
      'bad token [REDACTED] and [REDACTED] at postgres://u:***@db/x',
    );
  });

  it('the logger redacts them from logged errors, message and stack alike', () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    logger.error({ err: duplicateKeyError() }, 'Unexpected error');
    logger.error({ error: new Error(`x ${HASH}`) }, 'Other');
    expect(lines.join('')).not.toContain('$argon2');
    expect(lines.join('')).toContain('users_username_lower_unique');
  });

  describe('start-up with ADMIN_* naming a user that exists but is no admin', () => {
    const { stores, start } = useApiProcesses();

    beforeAll(async () => {
      const orm = await connectDatabase({ databaseUrl: stores.databaseUrl, poolMax: 1 });
      try {
        await migrate(orm);
        await orm.em.getConnection().execute(
          `insert into users (id, username, email, email_key, password_hash, first_name, last_name, created_at, updated_at)
           values (gen_random_uuid(), 'boss', 'boss@example.com', 'boss@example.com', 'x', 'A', 'B', now(), now())`,
        );
      } finally {
        await orm.close(true);
      }
    }, 180_000);

    it('starts, says what happened and how to recover, and prints no hash', async () => {
      const password = `Boss-${randomBytes(6).toString('hex')}!1`;
      const api = await start({ ADMIN_USERNAME: 'boss', ADMIN_EMAIL: 'new.boss@example.com', ADMIN_PASSWORD: password });
      const refused = await api.waitForLog((line) => typeof line.message === 'string' && line.message.startsWith('Could not create the first admin'));
      expect(refused.message).toMatch(/username already exists.*npm run admin:create.*npm run admin:reset-password/s);
      const output = `${JSON.stringify(api.logs)}${api.stderr}`;
      expect(output).not.toContain('$argon2');
      expect(output).not.toContain(password);
    });
  });
});
