import { AuditQueryService } from '../../src/audit/audit-query.service';
import { AuditLog } from '../../src/audit/audit-log.entity';
import type { Actor, RequestContext } from '../../src/context/request-context';
import { ReplicaRouter } from '../../src/platform/db/replica.router';
import type { WriterStickiness } from '../../src/platform/db/writer.stickiness';
import { createLogger } from '../../src/platform/observability/logger';
import { ForbiddenError, MalformedInputError, ServiceUnavailableError, UnauthenticatedError, ValidationError } from '../../src/platform/errors/domain.errors';
import { UserRole } from '../../src/users/user-role';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';
import { createLoaders } from '../../src/context/loaders';
import { User } from '../../src/users/user.entity';

const ADMIN_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const USER_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const actor = (role: UserRole): Actor => ({ id: ADMIN_ID, role, username: role, sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) });
const ADMIN = actor(UserRole.ADMIN);
const entry = (n: number) => ({ id: `log-${n}`, userId: USER_ID, action: 'user.updated' }) as unknown as AuditLog;

/**
 * The audit trail's reads on in-memory repositories, through the request's real loaders and the
 * real replica router (which database answers is its decision), input validation and policy.
 */
function setUp(options: { replicas?: boolean; sticky?: boolean; failure?: unknown } = {}) {
  const asked: { call: string; args: unknown[] }[] = [];
  const answer = async <T>(call: string, args: unknown[], value: T): Promise<T> => {
    asked.push({ call, args });
    if (options.failure) throw options.failure;
    return value;
  };
  const logs = {
    findAllPaginated: (filter: unknown, page: unknown, from: unknown) => answer('findAllPaginated', [filter, page, from], { items: [entry(1), entry(2)], total: 45 }),
    findPage: (filter: unknown, page: unknown, from: unknown) => answer('findPage', [filter, page, from], { items: [entry(1)], hasNextPage: false }),
  };
  const users = { findByIds: (ids: readonly string[]) => answer('userById', [...ids], ids.map((id) => ({ id, username: 'someone' }))) };
  const recent = { findRecentByUserIds: (ids: readonly string[]) => answer('recentAuditLogsByUserId', [...ids], [entry(3)]) };
  const { context } = fakeUnitOfWork(new Map<Function, object>([[AuditLog, { ...logs, ...recent }], [User, users]]));
  const stickiness = { mustReadPrimary: async () => options.sticky ?? false } as unknown as WriterStickiness;
  const reads = new ReplicaRouter(options.replicas ?? false, stickiness, createLogger('silent'));
  const service = new AuditQueryService(reads);
  const ctx = (who: Actor | null): RequestContext => {
    const base = context(who);
    // A replica read runs on a fork of its own; the fake's fork is the same in-memory repositories.
    // The request's real loaders, batching onto the in-memory repositories.
    return { ...base, em: { ...base.em, fork: () => base.em } as never, loaders: createLoaders(base.em) };
  };
  return { service, ctx, asked, reads };
}

describe('AuditQueryService (no database)', () => {
  it('lists a page of the trail with the filter, the offset of the page and the page count', async () => {
    const { service, ctx, asked } = setUp();
    const page = await service.listAuditLogs(ctx(ADMIN), { action: 'user.updated' }, { page: 3, limit: 20 });
    expect(page).toMatchObject({ page: 3, limit: 20, total: 45, totalPages: 3 });
    expect(page.items).toHaveLength(2);
    expect(asked).toEqual([{ call: 'findAllPaginated', args: [expect.objectContaining({ action: 'user.updated' }), { offset: 40, limit: 20 }, { connectionType: 'write' }] }]);
  });

  it('reads from a replica when there is one, and from the primary for an admin who just wrote', async () => {
    const replica = setUp({ replicas: true });
    await replica.service.listAuditLogs(replica.ctx(ADMIN), {}, {});
    expect(replica.asked[0].args[2]).toEqual({ connectionType: 'read' });
    const sticky = setUp({ replicas: true, sticky: true });
    await sticky.service.listAuditLogs(sticky.ctx(ADMIN), {}, {});
    expect(sticky.asked[0].args[2]).toEqual({ connectionType: 'write' });
  });

  it("lists one user's entries by their id, and refuses a malformed id", async () => {
    const { service, ctx, asked } = setUp();
    await service.listUserAuditLogs(ctx(ADMIN), USER_ID, {});
    expect(asked[0].args[0]).toMatchObject({ userId: USER_ID });
    await expect(service.listUserAuditLogs(ctx(ADMIN), 'not-a-uuid', {})).rejects.toBeInstanceOf(MalformedInputError);
    expect(asked).toHaveLength(1);
  });

  it.each([
    ['filter', { userId: 'nope' }, {}],
    ['page size', {}, { limit: 100_000 }],
    ['page number', {}, { page: 0 }],
  ])('refuses a malformed %s before reading', async (_case, filter, page) => {
    const { service, ctx, asked } = setUp();
    await expect(service.listAuditLogs(ctx(ADMIN), filter, page)).rejects.toBeInstanceOf(ValidationError);
    expect(asked).toEqual([]);
  });

  it('pages by cursor, and calls an undecodable cursor a bad input, not a server fault', async () => {
    const { service, ctx, asked } = setUp();
    await expect(service.auditLogsByCursor(ctx(ADMIN), {}, { first: 5 })).resolves.toMatchObject({ hasNextPage: false });
    expect(asked[0].args[1]).toMatchObject({ first: 5 });
    const refused = await service.auditLogsByCursor(ctx(ADMIN), {}, { first: 5, after: '%%%' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).errors).toEqual([{ field: 'after', message: 'after is not a cursor of this listing' }]);
    expect(asked).toHaveLength(1);
  });

  it("serves the nested fields through the request's loaders; an entry without an actor has no user", async () => {
    const { service, ctx, asked } = setUp();
    await expect(service.recentByActor(ctx(ADMIN), USER_ID)).resolves.toEqual([entry(3)]);
    await expect(service.actorOf(ctx(ADMIN), { userId: USER_ID })).resolves.toMatchObject({ id: USER_ID });
    await expect(service.actorOf(ctx(ADMIN), { userId: null })).resolves.toBeNull();
    expect(asked.map(({ call }) => call)).toEqual(['recentAuditLogsByUserId', 'userById']);
  });

  it('answers an unreachable database as unavailable, from every read', async () => {
    const { service, ctx } = setUp({ failure: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) });
    await expect(service.listAuditLogs(ctx(ADMIN), {}, {})).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(service.auditLogsByCursor(ctx(ADMIN), {}, {})).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(service.recentByActor(ctx(ADMIN), USER_ID)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(service.actorOf(ctx(ADMIN), { userId: USER_ID })).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  describe.each([
    ['anonymous', null, UnauthenticatedError],
    ['a moderator', actor(UserRole.MODERATOR), ForbiddenError],
    ['a plain user', actor(UserRole.USER), ForbiddenError],
  ])('for %s', (_who, who, refusal) => {
    it('refuses every read, before judging any input and without reading', async () => {
      const { service, ctx, asked } = setUp();
      await expect(service.listAuditLogs(ctx(who), { userId: 'nope' }, {})).rejects.toBeInstanceOf(refusal);
      await expect(service.listUserAuditLogs(ctx(who), 'not-a-uuid', {})).rejects.toBeInstanceOf(refusal);
      await expect(service.auditLogsByCursor(ctx(who), {}, {})).rejects.toBeInstanceOf(refusal);
      await expect(service.recentByActor(ctx(who), USER_ID)).rejects.toBeInstanceOf(refusal);
      await expect(service.actorOf(ctx(who), { userId: USER_ID })).rejects.toBeInstanceOf(refusal);
      expect(asked).toEqual([]);
    });
  });
});
