import { DeadLetterService, type DeadLetterStore } from '../../src/jobs/dead-letter.service';
import { UserRole } from '../../src/users/user-role';
import type { Actor } from '../../src/context/request-context';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';
import { ForbiddenError, MalformedInputError, NotFoundError, UnauthenticatedError, ValidationError } from '../../src/platform/errors/domain.errors';

const actor = (role: UserRole): Actor => ({ id: 'a', role, username: 'a', sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) });
const LETTER = { id: '11111111-1111-4111-8111-111111111111', queue: 'mail.send', createdOn: new Date(0), error: 'Error: 550' };

function setUp() {
  const retried: string[] = [];
  const store: DeadLetterStore = {
    deadLetters: async (queue) => (queue === 'mail.send' ? [LETTER] : []),
    retryDeadLetter: async (queue, id) => (id === LETTER.id ? (retried.push(`${queue}/${id}`), 'new-job') : null),
  };
  const uow = fakeUnitOfWork(new Map());
  return { service: new DeadLetterService(uow.commands, store, ['mail.send']), retried, audits: uow.audits, context: uow.context };
}

describe('DeadLetterService (no database)', () => {
  it('lists and retries for admins', async () => {
    const { service, retried, audits, context: ctx } = setUp();
    await expect(service.list(ctx(actor(UserRole.ADMIN)), 'mail.send')).resolves.toEqual([LETTER]);
    await expect(service.retry(ctx(actor(UserRole.ADMIN)), 'mail.send', LETTER.id.toUpperCase())).resolves.toBe('new-job');
    expect(retried).toEqual([`mail.send/${LETTER.id}`]);
    expect(audits()).toEqual([{ action: 'job.dead_letter_retried', entityId: LETTER.id, userId: 'a' }]);
  });

  it('refuses anyone else, before touching the store', async () => {
    const { service, retried, audits, context: ctx } = setUp();
    await expect(service.list(ctx(null), 'mail.send')).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(service.list(ctx(actor(UserRole.MODERATOR)), 'mail.send')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service.retry(ctx(actor(UserRole.USER)), 'mail.send', LETTER.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(retried).toEqual([]);
    expect(audits()).toEqual([]);
  });

  it('names unknown queues and ids clearly', async () => {
    const { service, context: ctx } = setUp();
    await expect(service.list(ctx(actor(UserRole.ADMIN)), 'pgboss.internal')).rejects.toBeInstanceOf(ValidationError);
    await expect(service.retry(ctx(actor(UserRole.ADMIN)), 'mail.send', 'nope')).rejects.toBeInstanceOf(MalformedInputError);
    await expect(service.retry(ctx(actor(UserRole.ADMIN)), 'mail.send', '22222222-2222-4222-8222-222222222222')).rejects.toBeInstanceOf(NotFoundError);
  });
});
