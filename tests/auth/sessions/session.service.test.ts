import { SessionService } from '../../../src/auth/sessions/session.service';
import { Session } from '../../../src/auth/sessions/session.entity';
import type { Actor } from '../../../src/context/request-context';
import { UserRole } from '../../../src/users/user-role';
import type { UserService } from '../../../src/users/user.service';
import { ForbiddenError, MalformedInputError, NotFoundError, UnauthenticatedError } from '../../../src/platform/errors/domain.errors';
import { fakeUnitOfWork } from '../../support/fake-unit-of-work';

const OWNER_ID = '11111111-1111-4111-8111-111111111111';
const SESSION_ID = '22222222-2222-4222-8222-222222222222';
const actor = (id: string, role: UserRole): Actor => ({ id, role, username: id, sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) });
const OWNER = actor(OWNER_ID, UserRole.USER);
const OTHER = actor('33333333-3333-4333-8333-333333333333', UserRole.USER);
const MODERATOR = actor('44444444-4444-4444-8444-444444444444', UserRole.MODERATOR);
const ADMIN = actor('55555555-5555-4555-8555-555555555555', UserRole.ADMIN);

/** Sessions in memory; the rules and the pipeline are the real ones. */
function setUp(ownerDeleted = false) {
  const deleted: string[] = [];
  const owner = { id: OWNER_ID, role: UserRole.USER, deletedAt: ownerDeleted ? new Date() : null };
  const sessions = {
    findOne: async ({ id }: { id: string }) => (id === SESSION_ID ? { id, user: owner } : null),
    deleteById: async (id: string) => void deleted.push(id),
  };
  const uow = fakeUnitOfWork(new Map<Function, object>([[Session, sessions]]));
  const service = new SessionService({} as UserService, uow.commands);
  return { ...uow, service, deleted };
}

describe('SessionService.revokeSession (no database)', () => {
  it.each([
    ['the owner', OWNER],
    ['an admin', ADMIN],
  ])('lets %s end it: row deleted, audited in the transaction, cache told after the commit', async (_who, who) => {
    const { service, context, deleted, audits, events } = setUp();
    await service.revokeSession(context(who), SESSION_ID);
    expect(deleted).toEqual([SESSION_ID]);
    expect(audits()).toEqual([{ action: 'session.revoked', entityId: SESSION_ID, userId: who.id }]);
    expect(events).toEqual([{ type: 'SessionsEnded', sessionIds: [SESSION_ID], userId: OWNER.id, reason: 'revoked' }]);
  });

  it("answers 'not found' for another user's session, a deleted owner's, or one under another user id", async () => {
    for (const [setup, who, expectedUser] of [
      [setUp(), OTHER, undefined],
      [setUp(true), ADMIN, undefined],
      [setUp(), ADMIN, OTHER.id],
    ] as const) {
      await expect(setup.service.revokeSession(setup.context(who), SESSION_ID, expectedUser)).rejects.toBeInstanceOf(NotFoundError);
      expect(setup.deleted).toEqual([]);
      expect(setup.audits()).toEqual([]);
      expect(setup.events).toEqual([]);
    }
  });

  it('refuses a moderator, who may see the owner but not end their sessions', async () => {
    const { service, context, deleted, events } = setUp();
    await expect(service.revokeSession(context(MODERATOR), SESSION_ID)).rejects.toBeInstanceOf(ForbiddenError);
    expect(deleted).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses the anonymous and a malformed id before touching anything', async () => {
    const { service, context, deleted } = setUp();
    await expect(service.revokeSession(context(null), SESSION_ID)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(service.revokeSession(context(ADMIN), 'not-a-uuid')).rejects.toBeInstanceOf(MalformedInputError);
    expect(deleted).toEqual([]);
  });

  it('still ends the session when its cache cannot be told', async () => {
    const { service, context, deleted, bus } = setUp();
    bus.subscribe('SessionsEnded', 'broken-cache', () => {
      throw new Error('Redis is away');
    });
    await expect(service.revokeSession(context(OWNER), SESSION_ID)).resolves.toBeUndefined();
    expect(deleted).toEqual([SESSION_ID]);
    expect(bus.failures.get('broken-cache')).toBe(1);
  });
});

describe('SessionService.sessionsOf (no database)', () => {
  it('shows the nested sessions to the owner and admins only', async () => {
    const { service, context } = setUp();
    const ctx = (who: Actor) => ({ ...context(who), loaders: { sessionsByUserId: { load: async () => [] } } as never });
    await expect(service.sessionsOf(ctx(OWNER), { id: OWNER_ID, role: UserRole.USER })).resolves.toEqual([]);
    await expect(service.sessionsOf(ctx(ADMIN), { id: OWNER_ID, role: UserRole.USER })).resolves.toEqual([]);
    await expect(service.sessionsOf(ctx(MODERATOR), { id: OWNER_ID, role: UserRole.USER })).rejects.toBeInstanceOf(ForbiddenError);
  });
});
